"""Push-to-talk turns on one gateway stream: each member's audio goes to the
voice service while they still speak, their live caption to the room, and
the final transcript back to the session, which posts it as their message.

A connection has at most one open turn; several people speaking at once are
several connections, each turn transcribed on its own. A turn is owned by
the stream it came on: the stream ending cancels it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field

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


@dataclass(slots=True)
class Turn:
    conn_id: str
    speaker: room_pb2.Participant
    turn_id: str
    start_ref: str
    audio: asyncio.Queue[bytes | None]
    received_bytes: int = 0
    end_ref: str = ""
    ended_at: float = 0.0
    task: asyncio.Task[None] | None = None
    caption: str = field(default="")

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
        self._turns: dict[str, Turn] = {}
        self._tasks = TaskSet(f"voice-turns-{room_id}")

    @property
    def available(self) -> bool:
        return self._voice is not None

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
        if conn_id in self._turns:
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
            conn_id,
            speaker,
            start.turn_id,
            ref,
            asyncio.Queue(self._settings.voice_queue_frames),
        )
        self._turns[conn_id] = turn
        turn.task = self._tasks.start(
            self._run(turn, list(hotwords)), name=f"voice-turn-{start.turn_id}"
        )

    def audio(self, conn_id: str, pcm: bytes) -> None:
        turn = self._turns.get(conn_id)
        if turn is None or turn.ended_at:
            raise bad_audio("Audio arrived with no open spoken turn; send voiceStart first.")
        if len(pcm) % 2:
            self._fail(
                turn, bad_audio("Audio frames hold whole 16-bit samples (an even byte count).")
            )
            return
        if len(pcm) > self._settings.voice_max_frame_bytes:
            self._fail(
                turn,
                RoomError(
                    room_pb2.ERROR_CODE_TOO_LARGE,
                    f"An audio frame holds at most {self._settings.voice_max_frame_bytes} bytes.",
                ),
            )
            return
        turn.received_bytes += len(pcm)
        if turn.received_bytes > self._settings.voice_max_turn_s * _BYTES_PER_SECOND:
            self._fail(
                turn,
                RoomError(
                    room_pb2.ERROR_CODE_TOO_LARGE,
                    f"A spoken turn lasts at most {self._settings.voice_max_turn_s:g} s.",
                ),
            )
            return
        try:
            turn.audio.put_nowait(pcm)
        except asyncio.QueueFull:
            self._fail(
                turn,
                RoomError(
                    room_pb2.ERROR_CODE_RATE_LIMITED,
                    "Audio arrives faster than it can be heard; send it in real time.",
                    retryable=True,
                ),
            )

    def end(self, conn_id: str, ref: str, *, cancel: bool) -> None:
        turn = self._turns.get(conn_id)
        if turn is None or turn.ended_at:
            raise bad_audio("No spoken turn is open on this connection.")
        turn.end_ref = ref
        turn.ended_at = time.monotonic()
        if cancel:
            self._drop(turn, outcome="cancelled")
            return
        try:
            turn.audio.put_nowait(None)
        except asyncio.QueueFull:
            self._fail(turn, RoomError(room_pb2.ERROR_CODE_RATE_LIMITED, "Too much audio at once."))

    def closed(self, conn_id: str) -> None:
        """The connection left: its turn is dropped."""
        turn = self._turns.get(conn_id)
        if turn is not None:
            self._drop(turn, outcome="cancelled")

    async def aclose(self) -> None:
        await self._tasks.aclose()
        self._turns.clear()

    # ------------------------------------------------------------ a turn

    def _fail(self, turn: Turn, error: RoomError) -> None:
        self._reply(
            room_pb2.ServerFrame(error=error.to_proto(ref=turn.end_ref or turn.start_ref)),
            turn.conn_id,
        )
        self._drop(turn, outcome="failed")

    def _drop(self, turn: Turn, *, outcome: str) -> None:
        if self._turns.get(turn.conn_id) is turn:
            del self._turns[turn.conn_id]
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
        assert self._voice is not None
        await self._caption(turn, "")
        text = ""
        try:
            async with asyncio.timeout(
                self._settings.voice_max_turn_s + self._settings.voice_tail_timeout_s
            ):
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
                if not text:
                    raise VoiceFailure("empty transcript", kind=VoiceFailureKind.NO_SPEECH)
        except TimeoutError:
            exc = VoiceFailure(
                "no transcript in time", kind=VoiceFailureKind.UNAVAILABLE, retryable=True
            )
            await self._failed(turn, exc)
            return
        except VoiceFailure as exc:
            await self._failed(turn, exc)
            return
        if self._turns.get(turn.conn_id) is not turn:
            return  # dropped meanwhile
        del self._turns[turn.conn_id]
        try:
            ack = await self._post(turn, text)
        except RoomError as exc:
            self._reply(room_pb2.ServerFrame(error=exc.to_proto(ref=turn.end_ref)), turn.conn_id)
            metrics.voice_turn("failed")
            await self._caption(turn, "", done=True)
            return
        metrics.voice_turn("posted")
        metrics.VOICE_TRANSCRIPT.observe(time.monotonic() - turn.ended_at)
        await self._caption(turn, text, done=True)
        ack.ref = turn.end_ref
        self._reply(room_pb2.ServerFrame(ack=ack), turn.conn_id)

    async def _failed(self, turn: Turn, exc: VoiceFailure) -> None:
        """Nothing is posted; the speaker is told why."""
        log.info("turn %s by %s: %s", turn.turn_id, turn.speaker.id, exc.message)
        if self._turns.get(turn.conn_id) is not turn:
            return  # dropped meanwhile, and told then
        del self._turns[turn.conn_id]
        metrics.voice_turn("no_speech" if exc.kind is VoiceFailureKind.NO_SPEECH else "failed")
        code, message = _ERRORS.get(
            exc.kind,
            (room_pb2.ERROR_CODE_UNAVAILABLE, f"Your turn was not heard: {exc.kind.value}."),
        )
        error = room_pb2.Error(
            code=code, message=message, ref=turn.end_ref or turn.start_ref, retryable=exc.retryable
        )
        self._reply(room_pb2.ServerFrame(error=error), turn.conn_id)
        await self._caption(turn, "", done=True)
