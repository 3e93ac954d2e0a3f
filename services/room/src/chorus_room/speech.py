"""Personas answering aloud: each spoken reply is cut into clauses as its
text streams, each clause synthesized once in the persona's voice, and the
audio published to the room like any other event (every member hears it).

A room speaks one reply at a time, in the order the replies started: the
audio of the next reply follows the last piece of the one before, even when
their texts stream at once. A person pressing push-to-talk (or a stop)
silences the room: the speaking and queued replies are dropped and
`SpeechStopped` tells every browser to stop playing at once.

Which replies are spoken: those answering a spoken message, and those a
spoken reply's mention started (a chain), so a conversation begun aloud
stays aloud.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field

from chorus.v1 import room_pb2
from chorus_common.tasks import TaskSet

from chorus_room import metrics
from chorus_room.domain.clauses import ClauseSplitter, speakable
from chorus_room.events import EventLog
from chorus_room.ports.voice import Voice, VoiceFailure

log = logging.getLogger("chorus.room.speech")

#: Pieces of text waiting to be spoken, per reply.
_MAX_PIECES = 256
#: Spoken messages remembered (a reply to one of them is spoken too).
_REMEMBERED = 4096
#: Messages whose speech is kept for the play button.
_CACHED = 64


@dataclass(slots=True)
class Utterance:
    """One reply's speech: the pieces of text to say, as they come."""

    room_id: str
    reply_id: str
    persona_id: str
    voice_id: str
    splitter: ClauseSplitter = field(default_factory=ClauseSplitter)
    #: Room for one more than the pieces: the end (None) always fits.
    pieces: asyncio.Queue[str | None] = field(
        default_factory=lambda: asyncio.Queue(_MAX_PIECES + 1)
    )
    overflowed: bool = False

    def put(self, piece: str | None) -> None:
        if piece is not None and self.pieces.qsize() >= _MAX_PIECES:
            self.overflowed = True  # the rest stays text only
            return
        self.pieces.put_nowait(piece)


@dataclass(slots=True)
class _RoomSpeech:
    queue: deque[Utterance] = field(default_factory=deque)
    speaking: Utterance | None = None
    worker: asyncio.Task[None] | None = None
    #: When the audio published so far ends playing (monotonic seconds): the
    #: members hear a reply until then, so it counts as speaking until then.
    heard_until: float = 0.0

    def played(self, audio: room_pb2.ReplyAudio) -> None:
        if audio.sample_rate_hz:
            now = time.monotonic()
            seconds = len(audio.pcm) / 2 / audio.sample_rate_hz
            self.heard_until = max(self.heard_until, now) + seconds


class Speech:
    def __init__(self, log_: EventLog, voice: Voice) -> None:
        self._log = log_
        self._voice = voice
        self._rooms: dict[str, _RoomSpeech] = {}
        self._utterances: dict[str, Utterance] = {}
        self._spoken: OrderedDict[str, None] = OrderedDict()
        self._cache: OrderedDict[str, list[room_pb2.ReplyAudio]] = OrderedDict()
        self._tasks = TaskSet("speech")

    # ------------------------------------------------ what is spoken

    def mark_spoken(self, message_id: str) -> None:
        """A message said aloud, or a reply that was spoken: replies to it are spoken."""
        self._spoken[message_id] = None
        self._spoken.move_to_end(message_id)
        while len(self._spoken) > _REMEMBERED:
            self._spoken.popitem(last=False)

    def should_speak(self, trigger: room_pb2.Message) -> bool:
        return trigger.spoken or trigger.id in self._spoken

    # ------------------------------------------- a reply, as it streams

    def reply_started(
        self,
        room_id: str,
        reply_id: str,
        persona: room_pb2.Participant,
        trigger: room_pb2.Message,
        *,
        speak_all: bool = False,
    ) -> None:
        """``speak_all``: the room speaks every reply (its ``speak_replies`` option)."""
        if not speak_all and not self.should_speak(trigger):
            return
        utterance = Utterance(room_id, reply_id, persona.id, persona.persona.voice)
        self._utterances[reply_id] = utterance
        self.mark_spoken(reply_id)  # a persona it asks in turn answers aloud too
        room = self._rooms.setdefault(room_id, _RoomSpeech())
        room.queue.append(utterance)
        if room.worker is None or room.worker.done():
            room.worker = self._tasks.start(
                self._speak_room(room_id, room), name=f"speech-{room_id}"
            )

    def reply_text(self, reply_id: str, text: str) -> None:
        utterance = self._utterances.get(reply_id)
        if utterance is not None:
            for piece in utterance.splitter.feed(text):
                utterance.put(piece)

    def reply_ended(self, reply_id: str, *, kept: bool) -> None:
        """The reply's text is complete; ``kept``: it was stored (else nothing
        more of it is said)."""
        utterance = self._utterances.pop(reply_id, None)
        if utterance is None:
            return
        if kept:
            for piece in utterance.splitter.flush():
                utterance.put(piece)
        utterance.put(None)

    def stop(self, room_id: str, reply_ids: Sequence[str] = ()) -> list[str]:
        """Silence these replies (all of the room's when empty); returns those
        that were speaking or waiting to."""
        room = self._rooms.get(room_id)
        if room is None:
            return []
        stopped: list[str] = []
        for utterance in list(room.queue):
            if not reply_ids or utterance.reply_id in reply_ids:
                room.queue.remove(utterance)
                stopped.append(utterance.reply_id)
        speaking = room.speaking
        if speaking is not None and (not reply_ids or speaking.reply_id in reply_ids):
            stopped.append(speaking.reply_id)
            room.speaking = None
            room.heard_until = 0.0
            if room.worker is not None:
                room.worker.cancel()
            room.worker = None
            if room.queue:  # replies not stopped go on
                room.worker = self._tasks.start(self._speak_room(room_id, room))
        for reply_id in stopped:
            self._utterances.pop(reply_id, None)
        return stopped

    # ------------------------------------------------------- speaking

    async def _speak_room(self, room_id: str, room: _RoomSpeech) -> None:
        while room.queue:
            utterance = room.speaking = room.queue.popleft()
            await self._speak(utterance, room)
            # It is heard until its audio has played: only then is the room
            # quiet (and a barge-in before then still stops it).
            await asyncio.sleep(max(0.0, room.heard_until - time.monotonic()))
            room.speaking = None
        if self._rooms.get(room_id) is room and not room.queue:
            del self._rooms[room_id]

    async def _speak(self, utterance: Utterance, room: _RoomSpeech) -> None:
        index = 0
        failure: room_pb2.Error | None = None
        audio: list[room_pb2.ReplyAudio] = []
        while (piece := await utterance.pieces.get()) is not None:
            if failure is not None:
                continue  # keep draining: the text goes on without voice
            try:
                async with aclosing(self._sounds(piece, utterance)) as chunks:
                    async for chunk in chunks:
                        chunk.index = index
                        index += 1
                        audio.append(chunk)
                        room.played(chunk)
                        await self._publish(utterance.room_id, chunk)
            except VoiceFailure as exc:
                log.warning("reply %s: speech failed: %s", utterance.reply_id, exc.message)
                metrics.speech_failed()
                failure = room_pb2.Error(
                    code=room_pb2.ERROR_CODE_UNAVAILABLE,
                    message=f"This reply could not be spoken: {exc.kind.value}.",
                    retryable=exc.retryable,
                )
        last = room_pb2.ReplyAudio(
            reply_id=utterance.reply_id, persona_id=utterance.persona_id, index=index, last=True
        )
        if failure is not None:
            last.error.CopyFrom(failure)
        else:
            self._remember(utterance.reply_id, [*audio, last])
        await self._publish(utterance.room_id, last)

    async def _sounds(
        self, piece: str, utterance: Utterance
    ) -> AsyncGenerator[room_pb2.ReplyAudio, None]:
        first = True
        sounds = self._voice.synthesize(piece, utterance.voice_id, request_id=utterance.reply_id)
        async with aclosing(sounds):
            async for sound in sounds:
                yield room_pb2.ReplyAudio(
                    reply_id=utterance.reply_id,
                    persona_id=utterance.persona_id,
                    sample_rate_hz=sound.sample_rate_hz,
                    pcm=sound.pcm,
                    text=piece if first else "",
                )
                first = False

    async def _publish(self, room_id: str, audio: room_pb2.ReplyAudio) -> None:
        await self._log.ephemeral(room_id, room_pb2.RoomEvent(reply_audio=audio))

    # --------------------------------------------------- the play button

    def _remember(self, message_id: str, audio: list[room_pb2.ReplyAudio]) -> None:
        self._cache[message_id] = audio
        self._cache.move_to_end(message_id)
        while len(self._cache) > _CACHED:
            self._cache.popitem(last=False)

    async def message_audio(
        self, message: room_pb2.Message, voice_id: str
    ) -> list[room_pb2.ReplyAudio]:
        """A stored persona message, spoken: synthesized once, then cached."""
        cached = self._cache.get(message.id)
        if cached is not None:
            self._cache.move_to_end(message.id)
            return cached
        utterance = Utterance("", message.id, message.author_id, voice_id)
        splitter = ClauseSplitter()
        pieces = [*splitter.feed(message.text), *splitter.flush()] or [speakable(message.text)]
        audio: list[room_pb2.ReplyAudio] = []
        for piece in filter(None, pieces):
            async with aclosing(self._sounds(piece, utterance)) as chunks:
                async for chunk in chunks:
                    chunk.index = len(audio)
                    audio.append(chunk)
        audio.append(
            room_pb2.ReplyAudio(
                reply_id=message.id, persona_id=message.author_id, index=len(audio), last=True
            )
        )
        self._remember(message.id, audio)
        return audio

    async def aclose(self) -> None:
        await self._tasks.aclose()
        self._rooms.clear()
        self._utterances.clear()
