"""Push-to-talk turns on one gateway stream: each member's audio goes to the
voice service while they still speak, their live caption to the room, and
the final transcript back to the session, which posts it as their message.

A connection has at most one open turn (push-to-talk held); once released,
a turn finishes on its own while the next may start. Several people speaking
at once are several connections, each turn transcribed on its own. Every
`voiceEnd` is answered once: an Ack naming the posted message, or an Error.
Turns are owned by the stream they came on: the stream ending cancels them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from enum import Enum

from chorus.v1 import room_pb2
from chorus_common.tasks import TaskSet

from chorus_room import metrics
from chorus_room.config import RoomSettings
from chorus_room.errors import RoomError
from chorus_room.events import EventLog
from chorus_room.ports.voice import Voice, VoiceFailure, VoiceFailureKind

log = logging.getLogger("chorus.room.voice")

#: The audio format push-to-talk accepts: PCM16LE mono at this rate.
SAMPLE_RATE_HZ = 16_000
_BYTES_PER_SECOND = SAMPLE_RATE_HZ * 2
_MAX_TURN_ID = 64

_ERRORS = {
    VoiceFailureKind.NO_SPEECH: (
        room_pb2.ERROR_CODE_NO_SPEECH,
        "Nothing was heard; nothing was posted.",
    ),
    VoiceFailureKind.BAD_AUDIO: (
        room_pb2.ERROR_CODE_BAD_AUDIO,
        "The audio was not 16 kHz mono PCM16.",
    ),
    VoiceFailureKind.TOO_LONG: (room_pb2.ERROR_CODE_TOO_LARGE, "The turn was too long."),
}


def bad_audio(message: str) -> RoomError:
    return RoomError(room_pb2.ERROR_CODE_BAD_AUDIO, message)


class TurnState(Enum):
    OPEN = "open"  # push-to-talk held: audio arrives
    FAILED = "failed"  # refused while held: the speaker was told; waits for voiceEnd
    RELEASED = "released"  # voiceEnd came: the transcript is being finished


@dataclass(slots=True)
class Turn:
    conn_id: str
    speaker: room_pb2.Participant
    turn_id: str
    start_ref: str
    audio: asyncio.Queue[bytes | None]
    state: TurnState = TurnState.OPEN
    received_bytes: int = 0
    end_ref: str = ""
    ended_at: float = 0.0
    task: asyncio.Task[None] | None = None
    caption: str = ""
    error: room_pb2.Error | None = None

    async def frames(self) -> AsyncIterator[bytes]:
        while (pcm := await self.audio.get()) is not None:
            yield pcm


#: Posts a final transcript as the speaker's message; returns its Ack.
PostSpoken = Callable[[Turn, str], Awaitable[room_pb2.Ack]]
#: Sends a frame to one connection of the stream.
Reply = Callable[[room_pb2.ServerFrame, str], None]


class VoiceTurns:
    def __init__(
        self,
        room_id: str,
        voice: Voice | None,
        event_log: EventLog,
        settings: RoomSettings,
        *,
        post: PostSpoken,
        reply: Reply,
    ) -> None:
        self._room_id = room_id
        self._voice = voice
        self._log = event_log
        self._settings = settings
        self._post = post
        self._reply = reply
        #: Each connection's held (or refused, not yet released) turn.
        self._held: dict[str, Turn] = {}
        self._tasks = TaskSet(f"voice-turns-{room_id}")

    def start(
        self,
        conn_id: str,
        speaker: room_pb2.Participant,
        start: room_pb2.VoiceStart,
        ref: str,
        hotwords: Sequence[str],
    ) -> None:
        if self._voice is None:
            raise RoomError(
                room_pb2.ERROR_CODE_UNAVAILABLE, "Voice is not available in this room service."
            )
        held = self._held.get(conn_id)
        if held is not None and held.state is TurnState.OPEN:
            raise RoomError(
                room_pb2.ERROR_CODE_INVALID_ARGUMENT,
                "A spoken turn is already open on this connection; end it first.",
            )
        if not 1 <= len(start.turn_id) <= _MAX_TURN_ID:
            raise RoomError(
                room_pb2.ERROR_CODE_INVALID_ARGUMENT,
                f"turn_id has 1 to {_MAX_TURN_ID} characters.",
            )
        if start.sample_rate_hz not in (0, SAMPLE_RATE_HZ):
            raise bad_audio(
                f"Audio is 16 kHz mono PCM16; {start.sample_rate_hz} Hz is not accepted."
            )
        turn = Turn(
            conn_id, speaker, start.turn_id, ref, asyncio.Queue(self._settings.voice_queue_frames)
        )
        self._held[conn_id] = turn  # a refused turn never released is forgotten
        turn.task = self._tasks.start(
            self._run(turn, list(hotwords)), name=f"voice-turn-{start.turn_id}"
        )

    def audio(self, conn_id: str, pcm: bytes) -> None:
        turn = self._held.get(conn_id)
        if turn is None:
            raise bad_audio("Audio arrived with no open spoken turn; send voiceStart first.")
        if turn.state is TurnState.FAILED:
            return  # the speaker was told; the rest of the turn is dropped
        cap = self._settings.voice_max_frame_bytes
        if len(pcm) % 2:
            self._refuse(turn, bad_audio("Audio holds whole 16-bit samples (an even byte count)."))
        elif len(pcm) > cap:
            self._refuse(
                turn,
                RoomError(
                    room_pb2.ERROR_CODE_TOO_LARGE, f"An audio frame holds at most {cap} bytes."
                ),
            )
        elif turn.received_bytes + len(pcm) > self._settings.voice_max_turn_s * _BYTES_PER_SECOND:
            longest = self._settings.voice_max_turn_s
            self._refuse(
                turn,
                RoomError(
                    room_pb2.ERROR_CODE_TOO_LARGE, f"A spoken turn lasts at most {longest:g} s."
                ),
            )
        else:
            turn.received_bytes += len(pcm)
            try:
                turn.audio.put_nowait(pcm)
            except asyncio.QueueFull:
                self._refuse(
                    turn,
                    RoomError(
                        room_pb2.ERROR_CODE_RATE_LIMITED,
                        "Audio arrives faster than it can be heard; send it in real time.",
                        retryable=True,
                    ),
                )

    def end(self, conn_id: str, ref: str, *, cancel: bool) -> None:
        turn = self._held.pop(conn_id, None)
        if turn is None:
            raise bad_audio("No spoken turn is open on this connection.")
        turn.end_ref = ref
        turn.ended_at = time.monotonic()
        if turn.state is TurnState.FAILED:
            if turn.error is not None and not cancel:  # this voiceEnd is answered too
                error = room_pb2.Error()
                error.CopyFrom(turn.error)
                error.ref = ref
                self._reply(room_pb2.ServerFrame(error=error), conn_id)
            return
        if cancel:
            self._stop(turn, outcome="cancelled")
            return
        turn.state = TurnState.RELEASED
        try:
            turn.audio.put_nowait(None)
        except asyncio.QueueFull:
            self._stop(turn, outcome="failed")
            full = RoomError(
                room_pb2.ERROR_CODE_RATE_LIMITED, "Too much audio at once.", retryable=True
            )
            self._reply(room_pb2.ServerFrame(error=full.to_proto(ref=ref)), conn_id)

    def closed(self, conn_id: str) -> None:
        """The connection left: its held turn is dropped (released ones finish)."""
        turn = self._held.pop(conn_id, None)
        if turn is not None and turn.state is TurnState.OPEN:
            self._stop(turn, outcome="cancelled")

    async def aclose(self) -> None:
        await self._tasks.aclose()
        self._held.clear()

    # ------------------------------------------------------------ a turn

    def _refuse(self, turn: Turn, error: RoomError) -> None:
        """Refuse a held turn now: the speaker is told at once (and again on
        release), and nothing of it is posted."""
        self._stop(turn, outcome="failed")
        self._told(turn, error.to_proto(ref=turn.start_ref))

    def _told(self, turn: Turn, error: room_pb2.Error) -> None:
        turn.state = TurnState.FAILED
        turn.error = error
        self._reply(room_pb2.ServerFrame(error=error), turn.conn_id)

    def _stop(self, turn: Turn, *, outcome: str) -> None:
        metrics.voice_turn(outcome)
        if turn.task is not None:
            turn.task.cancel()
        self._tasks.start(self._caption(turn, turn.caption, done=True))

    async def _caption(self, turn: Turn, text: str, *, done: bool = False) -> None:
        caption = room_pb2.VoiceCaption(
            participant_id=turn.speaker.id, turn_id=turn.turn_id, text=text, done=done
        )
        await self._log.ephemeral(self._room_id, room_pb2.RoomEvent(voice_caption=caption))

    async def _run(self, turn: Turn, hotwords: list[str]) -> None:
        await self._caption(turn, "")
        try:
            text = await self._transcribe(turn, hotwords)
        except VoiceFailure as exc:
            await self._failed(turn, exc)
            return
        try:
            ack = await self._post(turn, text)
        except RoomError as exc:
            metrics.voice_turn("failed")
            self._reply(room_pb2.ServerFrame(error=exc.to_proto(ref=turn.end_ref)), turn.conn_id)
            await self._caption(turn, "", done=True)
            return
        metrics.voice_turn("posted")
        metrics.VOICE_TRANSCRIPT.observe(time.monotonic() - turn.ended_at)
        await self._caption(turn, text, done=True)
        ack.ref = turn.end_ref
        self._reply(room_pb2.ServerFrame(ack=ack), turn.conn_id)

    async def _transcribe(self, turn: Turn, hotwords: list[str]) -> str:
        """The final transcript; partials go out as captions meanwhile."""
        assert self._voice is not None
        text = ""
        bound = self._settings.voice_max_turn_s + self._settings.voice_tail_timeout_s
        try:
            async with asyncio.timeout(bound):
                heard = self._voice.transcribe(
                    turn.frames(),
                    sample_rate_hz=SAMPLE_RATE_HZ,
                    hotwords=hotwords,
                    request_id=turn.turn_id,
                )
                async with aclosing(heard):
                    async for part in heard:
                        if part.final:
                            text = part.text.strip()
                        elif part.text != turn.caption:
                            turn.caption = part.text
                            await self._caption(turn, part.text)
        except TimeoutError:
            raise VoiceFailure(
                "no transcript in time", kind=VoiceFailureKind.UNAVAILABLE, retryable=True
            ) from None
        if not text:
            raise VoiceFailure("empty transcript", kind=VoiceFailureKind.NO_SPEECH)
        return text

    async def _failed(self, turn: Turn, exc: VoiceFailure) -> None:
        """Nothing is posted; the speaker is told why (now if the turn is
        still held, and again when it is released)."""
        log.info("turn %s by %s: %s", turn.turn_id, turn.speaker.id, exc.message)
        metrics.voice_turn("no_speech" if exc.kind is VoiceFailureKind.NO_SPEECH else "failed")
        code, message = _ERRORS.get(
            exc.kind,
            (room_pb2.ERROR_CODE_UNAVAILABLE, f"Your turn was not heard: {exc.kind.value}."),
        )
        ref = turn.end_ref if turn.state is TurnState.RELEASED else turn.start_ref
        self._told(
            turn, room_pb2.Error(code=code, message=message, ref=ref, retryable=exc.retryable)
        )
        await self._caption(turn, "", done=True)
