"""A person's message into the room, typed or said aloud: stored once (per
client_msg_id), then the personas it addresses are asked to reply."""

from __future__ import annotations

from collections.abc import Sequence

from chorus.v1 import room_pb2

from chorus_room.config import RoomSettings
from chorus_room.domain.mentions import Mentions, parse_mentions
from chorus_room.domain.spoken import spoken_mentions
from chorus_room.domain.validation import clean_message_text
from chorus_room.errors import invalid
from chorus_room.events import EventLog
from chorus_room.ids import new_id, now_ms
from chorus_room.replies import ReplyManager
from chorus_room.rooms import Rooms, options_of

PERSONA = room_pb2.PARTICIPANT_KIND_PERSONA
_MAX_CLIENT_MSG_ID = 64


class Posting:
    def __init__(
        self,
        room_id: str,
        rooms: Rooms,
        event_log: EventLog,
        replies: ReplyManager,
        settings: RoomSettings,
    ) -> None:
        self._room_id = room_id
        self._rooms = rooms
        self._log = event_log
        self._store = event_log.store
        self._replies = replies
        self._settings = settings

    async def typed(
        self, author: room_pb2.Participant, send: room_pb2.SendMessage
    ) -> tuple[room_pb2.Ack, list[str]]:
        """A typed message; returns its Ack and the @names that name nobody
        (empty for a retry, which was answered before)."""
        text = clean_message_text(send.text, self._settings.max_message_chars)
        if len(send.client_msg_id) > _MAX_CLIENT_MSG_ID:
            raise invalid(f"client_msg_id has at most {_MAX_CLIENT_MSG_ID} characters.")
        participants = await self._rooms.participants(self._room_id)
        replied = None
        if send.reply_to_id:
            replied = await self._store.message(self._room_id, send.reply_to_id)
            if replied is None:
                raise invalid("The message you reply to is not in this room.")
        mentions = parse_mentions(text, participants)
        ack = await self._post(
            author,
            text,
            mentions,
            participants,
            client_msg_id=send.client_msg_id,
            replied=replied,
        )
        return ack, [] if ack.duplicate else list(mentions.unknown)

    async def spoken(self, speaker: room_pb2.Participant, turn_id: str, heard: str) -> room_pb2.Ack:
        """A push-to-talk turn's transcript, posted as the speaker's message.
        A persona named in it answers; with no name said, the persona that
        last answered the speaker does (unless the room's options say a name
        is needed)."""
        text = clean_message_text(heard, self._settings.max_message_chars)
        participants = await self._rooms.participants(self._room_id)
        mentions = spoken_mentions(text, participants)
        room = await self._store.get_room(self._room_id)
        needs_a_name = room is not None and options_of(room).spoken_turns_need_a_name
        if not mentions.everyone and not mentions.ids and not needs_a_name:
            last = self._replies.last_answered(self._room_id, speaker.id)
            if last is not None and any(p.id == last for p in participants):
                mentions = Mentions(ids=[last], asked=[last])
        return await self._post(
            speaker,
            text,
            mentions,
            participants,
            client_msg_id=f"voice:{turn_id}",
            spoken=True,
        )

    async def _post(
        self,
        author: room_pb2.Participant,
        text: str,
        mentions: Mentions,
        participants: Sequence[room_pb2.Participant],
        *,
        client_msg_id: str,
        replied: room_pb2.Message | None = None,
        spoken: bool = False,
    ) -> room_pb2.Ack:
        """Store a person's message once (per client_msg_id) and ask the
        personas it addresses; returns the Ack for the sender."""
        message = room_pb2.Message(
            id=new_id("m"),
            author_id=author.id,
            author_name=author.name,
            author_kind=author.kind,
            text=text,
            reply_to_id=replied.id if replied is not None else "",
            mention_ids=mentions.ids,
            client_msg_id=client_msg_id,
            status=room_pb2.MESSAGE_STATUS_COMPLETE,
            created_at_ms=now_ms(),
            spoken=spoken,
        )
        dedupe = f"{author.id}:{client_msg_id}" if client_msg_id else ""
        appended = await self._log.append(
            self._room_id, room_pb2.RoomEvent(message=message), dedupe_key=dedupe
        )
        stored = appended.event
        ack = room_pb2.Ack(
            client_msg_id=client_msg_id,
            message_id=stored.message.id,
            seq=stored.seq,
            duplicate=appended.duplicate,
        )
        if appended.duplicate:
            return ack
        personas = [p for p in participants if p.kind == PERSONA]
        if mentions.everyone:
            asked = personas
        elif mentions.ids:
            asked = [p for p in personas if p.id in mentions.ids]
        elif replied is not None and replied.author_kind == PERSONA:
            asked = [p for p in personas if p.id == replied.author_id]  # replying asks the author
        else:
            asked = []
        # Several personas asked at once answer in turn, like people would.
        await self._replies.trigger(self._room_id, stored, asked, in_turn=True)
        return ack
