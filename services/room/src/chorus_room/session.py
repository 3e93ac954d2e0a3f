"""One RoomSession stream: a gateway's members of one room.

Three loops share the stream: the reader handles the members' frames, the
bus loop turns the room's published events into responses (in seq order,
filling gaps from the store), and the writer sends responses. A join takes
the delivery lock, so a member's welcome and backlog slot in exactly between
the events already delivered on this stream and the ones that follow: no
loss, no duplicate.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import grpc
from chorus.v1 import room_pb2
from chorus_common import context as log_context
from chorus_common.tasks import TaskSet

from chorus_room import metrics
from chorus_room.config import RoomSettings
from chorus_room.domain.validation import clean_display_name
from chorus_room.errors import RoomError, invalid, unknown_room
from chorus_room.events import EventLog, channel
from chorus_room.ids import hash_secret, new_id, new_secret, now_ms
from chorus_room.live.interrupts import send_interrupt
from chorus_room.ports.bus import Subscription
from chorus_room.ports.live import ActiveReplyRegistry, LiveStateError, PresenceRegistry
from chorus_room.ports.store import ParticipantRecord, StoreError, UpsertParticipant
from chorus_room.ports.voice import Voice, VoiceFailure
from chorus_room.posting import Posting
from chorus_room.replies import ReplyManager
from chorus_room.rooms import Rooms
from chorus_room.speech import Speech
from chorus_room.voice_turns import VoiceTurns

log = logging.getLogger("chorus.room.session")
HUMAN = room_pb2.PARTICIPANT_KIND_HUMAN
PERSONA = room_pb2.PARTICIPANT_KIND_PERSONA
_TYPING_INTERVAL_S = 1.0
#: Most responses sent as one gRPC message.
_MAX_BATCH = 256
SessionContext: TypeAlias = (
    "grpc.aio.ServicerContext[room_pb2.SessionRequest, room_pb2.SessionResponse]"
)


class StreamLagging(Exception):
    """The gateway reads this stream too slowly; it is dropped and resumes by seq."""


@dataclass(frozen=True, slots=True)
class SessionDeps:
    rooms: Rooms
    log: EventLog
    replies: ReplyManager
    #: Who is online, and the replies streaming now, on every instance.
    presence: PresenceRegistry
    active_replies: ActiveReplyRegistry
    settings: RoomSettings
    #: None: the room service runs without voice (push-to-talk is refused).
    voice: Voice | None = None
    speech: Speech | None = None


@dataclass(slots=True)
class Member:
    participant: room_pb2.Participant
    last_typing: float = 0.0


class GatewaySession:
    def __init__(self, deps: SessionDeps, room_id: str) -> None:
        self._d = deps
        self._store = deps.log.store
        self.room_id = room_id
        self._members: dict[str, Member] = {}
        self._delivered = 0
        self._lock = asyncio.Lock()
        self._out: asyncio.Queue[room_pb2.SessionResponse] = asyncio.Queue(
            deps.settings.session_queue
        )
        self._posting = Posting(room_id, deps.rooms, deps.log, deps.replies, deps.settings)
        self._voice_turns = VoiceTurns(
            room_id,
            deps.voice,
            deps.log,
            deps.settings,
            post=lambda turn, heard: self._posting.spoken(turn.speaker, turn.turn_id, heard),
            reply=lambda frame, conn_id: self._emit(frame, [conn_id]),
        )
        # Play-button requests being synthesized for this stream's members.
        self._tasks = TaskSet(f"session-{room_id}")

    @property
    def queued(self) -> int:
        """Responses waiting to be sent (for the queue-depth metrics)."""
        return self._out.qsize()

    # ---------------------------------------------------------------- run

    async def run(
        self, context: SessionContext, pending: Sequence[room_pb2.SessionRequest] = ()
    ) -> None:
        """Serve the stream; ``pending`` are requests that came with ``open``."""
        async with self._d.log.bus.subscribe(channel(self.room_id)) as subscription:
            # Subscribed first: every event after this read arrives on the bus.
            room = await self._store.get_room(self.room_id)
            self._delivered = room.last_seq if room else 0
            try:
                async with asyncio.TaskGroup() as tg:
                    writer = tg.create_task(self._write_loop(context))
                    deliver = tg.create_task(self._bus_loop(subscription))
                    await self._read_loop(context, pending, exists=room is not None)
                    await self._out.join()
                    writer.cancel()
                    deliver.cancel()
            finally:
                await self._voice_turns.aclose()
                await self._tasks.aclose()
                for member in self._members.values():
                    await self._went_offline(member.participant.id)
                self._members.clear()

    async def _write_loop(self, context: SessionContext) -> None:
        """Send whatever is queued as one batch (one gRPC message)."""
        while True:
            batch = [await self._out.get()]
            while len(batch) < _MAX_BATCH and not self._out.empty():
                batch.append(self._out.get_nowait())
            try:
                await context.write(room_pb2.SessionResponses(responses=batch))
            finally:
                for _ in batch:
                    self._out.task_done()

    async def _bus_loop(self, subscription: Subscription) -> None:
        async for payload in subscription:
            message = room_pb2.BusMessage()
            message.ParseFromString(payload)
            if message.HasField("event"):
                async with self._lock:
                    await self._deliver(message.event)

    async def _read_loop(
        self, context: SessionContext, pending: Sequence[room_pb2.SessionRequest], *, exists: bool
    ) -> None:
        for request in pending:
            await self._request(request, exists=exists)
        while True:
            batch = await context.read()
            if batch is grpc.aio.EOF:
                return
            assert isinstance(batch, room_pb2.SessionRequests)
            for request in batch.requests:
                await self._request(request, exists=exists)

    async def _request(self, request: room_pb2.SessionRequest, *, exists: bool) -> None:
        kind = request.WhichOneof("kind")
        if kind == "frame":
            conn_id, frame = request.frame.conn_id, request.frame.frame
            try:
                if not exists:
                    raise unknown_room()
                rid = log_context.frame_request_id(conn_id, frame.ref)
                with log_context.scope(conn_id=conn_id, request_id=rid):
                    await self._handle(conn_id, frame)
            except RoomError as exc:
                metrics.error_sent(exc.code)
                # A failed join ends the connection; other errors leave it be.
                fatal = frame.HasField("join") and conn_id not in self._members
                self._emit(
                    room_pb2.ServerFrame(error=exc.to_proto(ref=frame.ref, fatal=fatal)),
                    [conn_id],
                    close=fatal,
                )
            except StoreError as exc:
                log.error("room %s: store error: %s", self.room_id, exc)
                metrics.error_sent(room_pb2.ERROR_CODE_UNAVAILABLE)
                error = room_pb2.Error(
                    code=room_pb2.ERROR_CODE_UNAVAILABLE,
                    message="Storage is unavailable; try again.",
                    ref=frame.ref,
                    retryable=True,
                )
                self._emit(room_pb2.ServerFrame(error=error), [conn_id])
        elif kind == "closed":
            self._voice_turns.closed(request.closed.conn_id)
            member = self._members.pop(request.closed.conn_id, None)
            if member is not None:
                await self._went_offline(member.participant.id)

    # ------------------------------------------------------------ output

    def _emit(
        self, frame: room_pb2.ServerFrame, conn_ids: Iterable[str] = (), *, close: bool = False
    ) -> None:
        try:
            self._out.put_nowait(
                room_pb2.SessionResponse(conn_ids=conn_ids, frame=frame, close=close)
            )
        except asyncio.QueueFull as exc:
            raise StreamLagging(f"room {self.room_id}: gateway stream is lagging") from exc

    async def _deliver(self, event: room_pb2.RoomEvent) -> None:
        """Broadcast one event; durable ones exactly once and in seq order."""
        if event.seq == 0:
            if self._members:
                self._emit(room_pb2.ServerFrame(event=event))
            return
        if event.seq <= self._delivered:
            return
        if event.seq > self._delivered + 1:  # a gap: fill it from the store
            gap = await self._store.events_after(
                self.room_id, self._delivered, event.seq - self._delivered - 1
            )
            for missed in gap.events:
                if self._members:
                    self._emit(room_pb2.ServerFrame(event=missed))
        self._delivered = event.seq
        if self._members:
            self._emit(room_pb2.ServerFrame(event=event))

    # ------------------------------------------------------------ frames

    async def _handle(self, conn_id: str, frame: room_pb2.ClientFrame) -> None:
        action = frame.WhichOneof("action")
        if action == "join":
            await self._join(conn_id, frame.join)
            return
        member = self._members.get(conn_id)
        if member is None:
            raise RoomError(room_pb2.ERROR_CODE_NOT_JOINED, "Join the room first.")
        log_context.bind(participant_id=member.participant.id)
        if action == "send":
            await self._send(conn_id, frame.ref, member, frame.send)
        elif action == "interrupt":
            await self._interrupt(frame.interrupt, member.participant.id)
        elif action == "typing":
            now = time.monotonic()
            if now - member.last_typing >= _TYPING_INTERVAL_S:
                member.last_typing = now
                await self._d.log.ephemeral(
                    self.room_id,
                    room_pb2.RoomEvent(
                        typing=room_pb2.Typing(participant_id=member.participant.id)
                    ),
                )
        elif action == "ping":
            self._emit(room_pb2.ServerFrame(pong=room_pb2.Pong()), [conn_id])
        elif action == "voice_audio":
            self._voice_turns.audio(conn_id, frame.voice_audio.pcm)
        elif action == "voice_start":
            participants = await self._d.rooms.participants(self.room_id)
            self._voice_turns.start(
                conn_id,
                member.participant,
                frame.voice_start,
                frame.ref,
                hotwords=[p.name for p in participants],
            )
            await self._barge_in(member.participant.id)
        elif action == "voice_end":
            self._voice_turns.end(conn_id, frame.ref, cancel=frame.voice_end.cancel)
        elif action == "speak":
            await self._speak(conn_id, frame.ref, frame.speak)
        else:
            raise RoomError(room_pb2.ERROR_CODE_UNKNOWN_FRAME, "Unknown frame type.")

    async def _join(self, conn_id: str, join: room_pb2.Join) -> None:
        if conn_id in self._members:
            raise RoomError(
                room_pb2.ERROR_CODE_ALREADY_JOINED, "This connection has already joined."
            )
        room = await self._d.rooms.authorize(
            self.room_id, room_pb2.RoomCredentials(invite_token=join.invite_token)
        )
        participant, token = await self._participant(join)
        async with self._lock:
            delivered = self._delivered
            after = (
                join.after_seq
                if join.HasField("after_seq")
                else delivered - self._d.settings.join_page
            )
            after = min(max(after, 0), delivered)
            truncated = delivered - after > self._d.settings.backlog_cap
            if truncated:
                after = delivered - self._d.settings.backlog_cap
            view = await self._d.rooms.view(room)
            view.last_seq = delivered
            welcome = room_pb2.Welcome(
                room=view,
                you=participant,
                participant_token=token,
                replay_after_seq=after,
                backlog_truncated=truncated,
                online_participant_ids=sorted({*await self._online(), participant.id}),
                active_replies=await self._active_replies(),
            )
            self._emit(room_pb2.ServerFrame(welcome=welcome), [conn_id])
            while after < delivered:
                page = await self._store.events_after(
                    self.room_id, after, min(200, delivered - after)
                )
                for event in page.events:
                    if event.seq <= delivered:
                        self._emit(room_pb2.ServerFrame(event=event), [conn_id])
                if not page.events:
                    break
                after = page.events[-1].seq
            self._members[conn_id] = Member(participant)
        try:
            came_online = await self._d.presence.connect(self.room_id, participant.id)
        except LiveStateError as exc:
            log.warning("room %s: presence unavailable: %s", self.room_id, exc)
            came_online = True  # here, at least
        if came_online:
            await self._d.log.ephemeral(
                self.room_id,
                room_pb2.RoomEvent(
                    presence=room_pb2.Presence(participant_id=participant.id, online=True)
                ),
            )

    async def _online(self) -> list[str]:
        try:
            return await self._d.presence.online(self.room_id)
        except LiveStateError as exc:
            log.warning("room %s: presence unavailable: %s", self.room_id, exc)
            return [m.participant.id for m in self._members.values()]

    async def _active_replies(self) -> list[room_pb2.ActiveReply]:
        try:
            return await self._d.active_replies.active(self.room_id)
        except LiveStateError as exc:
            log.warning("room %s: streaming replies unavailable: %s", self.room_id, exc)
            return self._d.replies.active(self.room_id)

    async def _participant(self, join: room_pb2.Join) -> tuple[room_pb2.Participant, str]:
        """The returning participant the token names, or a new person."""
        if join.participant_token:
            record = await self._store.participant_by_token(
                self.room_id, hash_secret(join.participant_token)
            )
            if record is not None:
                return record.participant, join.participant_token
        present = await self._d.rooms.participants(self.room_id)
        name = clean_display_name(join.display_name, [p.name for p in present])
        token = new_secret()
        participant = room_pb2.Participant(
            id=new_id("h"), kind=HUMAN, name=name, joined_at_ms=now_ms()
        )
        await self._d.log.append(
            self.room_id,
            room_pb2.RoomEvent(participant_joined=participant),
            mutation=UpsertParticipant(
                ParticipantRecord(participant, token_hash=hash_secret(token))
            ),
        )
        return participant, token

    async def _send(
        self, conn_id: str, ref: str, member: Member, send: room_pb2.SendMessage
    ) -> None:
        ack, unknown = await self._posting.typed(member.participant, send)
        ack.ref = ref
        self._emit(room_pb2.ServerFrame(ack=ack), [conn_id])
        if unknown:
            names = ", ".join(f"@{n}" for n in unknown)
            error = room_pb2.Error(
                code=room_pb2.ERROR_CODE_UNKNOWN_MENTION,
                ref=ref,
                message=f"No one called {names} is in this room; your message was sent.",
            )
            self._emit(room_pb2.ServerFrame(error=error), [conn_id])

    async def _interrupt(self, interrupt: room_pb2.Interrupt, by: str) -> None:
        """Stop a reply (every reply of the room when none is named) here, and
        on the instance that runs it: the interrupt goes over the bus unless
        it was stopped here."""
        reply_id = interrupt.reply_id
        stopped = self._d.replies.interrupt(self.room_id, reply_id)
        silenced = await self._silence([reply_id] if reply_id else [], by)
        if reply_id and (stopped or silenced):
            return
        # Listed before it is sent: once stopped elsewhere, it is unlisted.
        listed = not reply_id or reply_id in {r.reply_id for r in await self._active_replies()}
        await send_interrupt(self._d.log.bus, self.room_id, reply_id)
        if not listed:
            raise RoomError(
                room_pb2.ERROR_CODE_UNKNOWN_REPLY, "That reply is not streaming any more."
            )

    async def _silence(self, reply_ids: Sequence[str], by: str) -> list[str]:
        """Stop the room's speech (of these replies; all when empty) and tell
        every member to stop playing it at once."""
        if self._d.speech is None:
            return []
        stopped = self._d.speech.stop(self.room_id, reply_ids)
        if stopped:
            event = room_pb2.SpeechStopped(reply_ids=stopped, by_participant_id=by)
            await self._d.log.ephemeral(self.room_id, room_pb2.RoomEvent(speech_stopped=event))
        return stopped

    async def _barge_in(self, by: str) -> None:
        """Someone pressed push-to-talk: the room falls silent for them, and
        the replies being spoken stop (what was said is kept)."""
        for reply_id in await self._silence([], by):
            self._d.replies.interrupt(self.room_id, reply_id)

    async def _speak(self, conn_id: str, ref: str, speak: room_pb2.Speak) -> None:
        """The play button: a persona's stored message, spoken to this member."""
        if self._d.speech is None:
            raise RoomError(
                room_pb2.ERROR_CODE_UNAVAILABLE, "Voice is not available in this room service."
            )
        message = await self._store.message(self.room_id, speak.message_id)
        if message is None or message.author_kind != PERSONA:
            raise invalid("Only a persona's message in this room can be spoken.")
        participants = await self._d.rooms.participants(self.room_id)
        author = next((p for p in participants if p.id == message.author_id), None)
        voice_id = author.persona.voice if author is not None else ""
        self._tasks.start(self._play(conn_id, ref, message, voice_id))

    async def _play(self, conn_id: str, ref: str, message: room_pb2.Message, voice_id: str) -> None:
        assert self._d.speech is not None
        try:
            audio = await self._d.speech.message_audio(message, voice_id)
        except VoiceFailure as exc:
            log.info("room %s: speaking %s failed: %s", self.room_id, message.id, exc.message)
            error = room_pb2.Error(
                code=room_pb2.ERROR_CODE_UNAVAILABLE,
                message=f"This message could not be spoken: {exc.kind.value}.",
                ref=ref,
                retryable=exc.retryable,
            )
            self._emit(room_pb2.ServerFrame(error=error), [conn_id])
            return
        for chunk in audio:
            event = room_pb2.RoomEvent(room_id=self.room_id, reply_audio=chunk)
            self._emit(room_pb2.ServerFrame(event=event), [conn_id])

    async def _went_offline(self, participant_id: str) -> None:
        try:
            went_offline = await self._d.presence.disconnect(self.room_id, participant_id)
        except LiveStateError as exc:
            log.warning("room %s: presence unavailable: %s", self.room_id, exc)
            went_offline = False  # its entry expires; another instance reports it
        if went_offline:
            await self._d.log.ephemeral(
                self.room_id,
                room_pb2.RoomEvent(
                    presence=room_pb2.Presence(participant_id=participant_id, online=False)
                ),
            )
