"""One member's WebSocket: validates its frames, forwards them to the room's
link, and writes what the link delivers.

The handler task reads the client's frames. Frames to the client are written
straight to the socket (the ``chorus.fanout`` extension, fastws.py) while
nothing waits before them and the socket keeps up; otherwise they wait in a
bounded buffer drained by a writer task, created the first time one is
needed. A full buffer means a slow consumer: it is cut off with close code
4008 (it resyncs by seq) without ever making the room or the other members
wait. An idle connection holds no task but its handler and no buffer: it is
lean when there are ten thousand of them.

Stopping (slow consumer, a fatal error, the client leaving) cancels the
handler's read; the writer is cancelled and awaited before the handler ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass

from chorus.v1 import room_pb2
from starlette.websockets import WebSocket, WebSocketDisconnect

from chorus_gateway import close_codes
from chorus_gateway.codec import (
    FrameError,
    Outgoing,
    audio_frame,
    decode_client_frame,
    error_frame,
)
from chorus_gateway.fastws import TryWrite
from chorus_gateway.link import LinkRegistry, RoomLink
from chorus_gateway.metrics import GatewayMetrics
from chorus_gateway.ratelimit import Rate, TokenBucket

log = logging.getLogger("chorus.gateway.connection")

#: Seconds the last frames and the closing handshake may take.
CLOSE_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    reason: str


UNLIMITED = Rate(0, 1)


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    max_frame_bytes: int
    outbound_queue_frames: int
    join_timeout_s: float
    #: A socket that takes nothing for this long while frames wait for it is
    #: a slow consumer too, however short its queue (0: only the queue counts).
    stalled_s: float = 0.0
    #: Send frames, and bytes of their text, one connection may send.
    messages: Rate = UNLIMITED
    text_bytes: Rate = UNLIMITED


class Connection:
    __slots__ = (
        "_buckets",
        "_client_gone",
        "_close",
        "_closing",
        "_conn_id",
        "_in_flight",
        "_in_flight_since",
        "_interrupted",
        "_limits",
        "_link",
        "_links",
        "_metrics",
        "_pending",
        "_receiving",
        "_stopped",
        "_task",
        "_try_write",
        "_wakeup",
        "_writer",
        "_ws",
        "room_id",
    )

    def __init__(
        self,
        websocket: WebSocket,
        *,
        room_id: str,
        conn_id: str,
        links: LinkRegistry,
        limits: ConnectionLimits,
        metrics: GatewayMetrics,
        try_write: TryWrite | None = None,
    ) -> None:
        self._ws = websocket
        self.room_id = room_id
        self._conn_id = conn_id
        self._links = links
        self._limits = limits
        self._metrics = metrics
        self._try_write = try_write
        self._link: RoomLink | None = None
        # Frames (and at most one close) waiting for the writer; made on first use.
        self._pending: deque[Outgoing | _Close] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._wakeup: asyncio.Future[None] | None = None
        # The writer has taken a frame and is waiting for the socket to take it.
        self._in_flight = False
        self._in_flight_since = 0.0
        self._closing = False  # no more frames are accepted
        self._stopped = False
        self._close: _Close | None = None  # what to close with; None: nothing to say
        self._client_gone = False
        self._task: asyncio.Task[object] | None = None
        self._receiving = False
        self._interrupted = False
        # Made at the first send: idle members hold none.
        self._buckets: tuple[TokenBucket, TokenBucket] | None = None

    @property
    def conn_id(self) -> str:
        return self._conn_id

    # ------------------------------------------------- called by the link

    def deliver(self, frame: Outgoing) -> None:
        if self._closing:
            return
        if (
            not self._pending
            and not self._in_flight
            and self._try_write is not None
            and self._try_write(frame.wire)
        ):
            return  # written straight to the socket: nothing was waiting
        self._enqueue(frame)

    def close_after(self, code: int, reason: str) -> None:
        """Close once everything delivered so far is written."""
        if self._closing:
            return
        self._enqueue(_Close(code, reason))
        self._closing = True

    def _enqueue(self, item: Outgoing | _Close) -> None:
        pending = self._pending
        if pending is None:
            pending = self._pending = deque()
        if len(pending) >= self._limits.outbound_queue_frames or self._stalled():
            self._slow_consumer()
            return
        pending.append(item)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_loop(pending))
        elif self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def _stalled(self) -> bool:
        """The socket has taken nothing for ``stalled_s`` while frames wait."""
        limit = self._limits.stalled_s
        return bool(
            limit
            and self._in_flight
            and asyncio.get_running_loop().time() - self._in_flight_since > limit
        )

    def _slow_consumer(self) -> None:
        self._metrics.slow_consumers += 1
        log.info("room %s conn %s: slow consumer, closing", self.room_id, self._conn_id)
        self._stop(_Close(close_codes.SLOW_CONSUMER, close_codes.SLOW_CONSUMER_REASON))

    def _stop(self, close: _Close | None) -> None:
        """No more frames either way. Another task (the link's reader, the
        writer) interrupts the handler's read; the handler itself, stopping
        while it handles a frame, sees ``_stopped`` before its next read."""
        self._closing = True
        if self._stopped:
            return
        self._stopped = True
        self._close = close
        task = self._task
        if self._receiving and task is not None and asyncio.current_task() is not task:
            self._interrupted = True
            task.cancel()

    # ------------------------------------------------------------ running

    async def run(self) -> None:
        self._metrics.connections_opened += 1
        self._metrics.connections_open += 1
        self._task = task = asyncio.current_task()
        assert task is not None
        try:
            self._receiving = True
            try:
                await self._receive_loop()
            except asyncio.CancelledError:
                if not self._interrupted or task.uncancel() > 0:
                    raise  # not (only) our own interruption
            finally:
                self._receiving = False
            if not self._stopped and self._closing and not self._client_gone:
                await self._drain_writer()  # a fatal error is queued: let it out
            self._stop(None)
            self._detach()
            await self._stop_writer()
            await self._send_close()
        finally:
            self._closing = True
            self._detach()
            if self._writer is not None and not self._writer.done():
                self._writer.cancel()
            self._metrics.connections_open -= 1

    def _detach(self) -> None:
        if self._link is not None:
            self._links.detach(self._link, self)
            self._link = None

    async def _drain_writer(self) -> None:
        if self._writer is None:
            return
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await asyncio.wait([self._writer])
        except TimeoutError:
            self._stop(None)

    async def _stop_writer(self) -> None:
        writer = self._writer
        if writer is not None and not writer.done():
            writer.cancel()
            await asyncio.wait([writer])

    async def _send_close(self) -> None:
        close = self._close
        if close is None or self._client_gone:
            return
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await self._ws.close(close.code, close.reason)
        except (TimeoutError, WebSocketDisconnect, RuntimeError, OSError):
            pass  # gone already, or not reading: the server drops the socket

    # ------------------------------------------------------------ writer

    async def _write_loop(self, pending: deque[Outgoing | _Close]) -> None:
        send, try_write = self._ws.send, self._try_write
        loop = asyncio.get_running_loop()
        try:
            while True:
                if not pending:
                    self._wakeup = loop.create_future()
                    await self._wakeup
                    continue
                item = pending.popleft()
                if isinstance(item, _Close):
                    self._stop(item)
                    return
                if try_write is not None and try_write(item.wire):
                    continue
                self._in_flight = True  # the ASGI send waits for the socket to drain
                self._in_flight_since = loop.time()
                if item.binary:
                    await send({"type": "websocket.send", "bytes": item.payload})
                else:
                    await send({"type": "websocket.send", "text": item.text})
                self._in_flight = False
        except (WebSocketDisconnect, RuntimeError, OSError):
            self._client_gone = True
            self._stop(None)

    # ----------------------------------------------------------- receiver

    async def _receive_loop(self) -> None:
        try:
            if await self._await_join():
                await self._forward_frames()
        except (WebSocketDisconnect, RuntimeError, OSError):
            self._client_gone = True

    async def _next_frame(self) -> str | bytes | None:
        """The next frame: JSON text, or binary (push-to-talk audio); None
        when the client has gone or the connection is stopping."""
        while not self._stopped:
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                self._client_gone = True
                return None
            self._metrics.frames_in += 1
            text = message.get("text")
            if text is not None:
                return str(text)
            data = message.get("bytes")
            if data is not None:
                return bytes(data)
        return None

    def _reject(self, error: FrameError, *, fatal: bool = False) -> None:
        self._metrics.frames_rejected += 1
        self.deliver(error_frame(error.code, error.message, ref=error.ref, fatal=fatal))
        if fatal:
            self.close_after(close_codes.POLICY_VIOLATION, "not joined")

    def _decode(self, text: str | bytes) -> room_pb2.ClientFrame | None:
        try:
            if isinstance(text, bytes):
                return audio_frame(text, self._limits.max_frame_bytes)
            return decode_client_frame(text, self._limits.max_frame_bytes)
        except FrameError as error:
            self._reject(error)
            return None

    async def _await_join(self) -> bool:
        """Wait for a valid ``join`` and forward it; other frames get typed
        errors meanwhile. False: never joined (gone, or out of time: fatal)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._limits.join_timeout_s
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    text = await self._next_frame()
            except TimeoutError:
                seconds = self._limits.join_timeout_s
                self._reject(
                    FrameError(room_pb2.ERROR_CODE_NOT_JOINED, f"No join within {seconds:g} s."),
                    fatal=True,
                )
                return False
            if text is None:
                return False
            frame = self._decode(text)
            if frame is None:
                continue
            if frame.WhichOneof("action") != "join":
                self._reject(
                    FrameError(room_pb2.ERROR_CODE_NOT_JOINED, "Join the room first.", frame.ref)
                )
                continue
            self._link = self._links.attach(self.room_id, self)
            await self._link.send(self._conn_id, frame)
            return True

    async def _forward_frames(self) -> None:
        link = self._link
        assert link is not None
        while True:
            text = await self._next_frame()
            if text is None:
                return
            frame = self._decode(text)
            if frame is None:
                continue
            action = frame.WhichOneof("action")
            if action == "join":
                self._reject(
                    FrameError(
                        room_pb2.ERROR_CODE_ALREADY_JOINED,
                        "This connection has already joined.",
                        frame.ref,
                    )
                )
                continue
            if action == "send" and not self._within_rate(frame):
                continue
            await link.send(self._conn_id, frame)

    def _within_rate(self, frame: room_pb2.ClientFrame) -> bool:
        """A member's messages and text per second, with a burst: one member's
        flood is refused at the edge (nothing is stored) so the room stays
        fast for the others."""
        if self._buckets is None:
            self._buckets = (
                TokenBucket(self._limits.messages),
                TokenBucket(self._limits.text_bytes),
            )
        messages, text = self._buckets
        wait = messages.take() or text.take(len(frame.send.text.encode()))
        if not wait:
            return True
        self._metrics.frames_rejected += 1
        self.deliver(
            error_frame(
                room_pb2.ERROR_CODE_RATE_LIMITED,
                "You are sending too fast; this message was not sent.",
                ref=frame.ref,
                retryable=True,
                retry_after_ms=max(1, round(wait * 1000)),
            )
        )
        return False
