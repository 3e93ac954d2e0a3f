"""RoomLink: one RoomSession stream per room per gateway process, carrying
every member of that room connected here. This is the core of fan-out: the
room service sends each event once per gateway; the link encodes it to JSON
and frames it once, and hands the same bytes to each member.

Delivery order is the stream's order. A member becomes *joined* when the
``welcome`` targeted to it passes through the reader; broadcasts (no
``conn_ids``) reach joined members only. Since the room service sends the
welcome and that member's backlog before any later broadcast, every durable
event reaches each member exactly once, with no reordering here.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from typing import Protocol

import grpc
from chorus.v1 import room_pb2

from chorus_gateway import close_codes
from chorus_gateway.clients import EOF, RoomClient, SessionCall
from chorus_gateway.codec import Outgoing, encode_frame, error_frame
from chorus_gateway.metrics import GatewayMetrics

log = logging.getLogger("chorus.gateway.link")

#: Seconds ``aclose`` waits for the room service to finish the stream.
CLOSE_GRACE_S = 2.0
#: Most requests sent as one gRPC message.
MAX_BATCH = 256


class Member(Protocol):
    """What a link needs of a connection (chorus_gateway.connection.Connection)."""

    @property
    def conn_id(self) -> str: ...
    def deliver(self, frame: Outgoing) -> None: ...
    def close_after(self, code: int, reason: str) -> None: ...


class _State(enum.Enum):
    OPEN = "open"
    FAILED = "failed"
    CLOSING = "closing"


class RoomLink:
    def __init__(
        self,
        room_id: str,
        client: RoomClient,
        *,
        gateway_id: str,
        queue_frames: int,
        metrics: GatewayMetrics,
        on_failed: Callable[[RoomLink], None],
    ) -> None:
        self.room_id = room_id
        self._client = client
        self._gateway_id = gateway_id
        self._metrics = metrics
        self._on_failed = on_failed
        self._members: dict[str, Member] = {}
        self._joined: dict[str, Member] = {}
        self._joined_view: tuple[Member, ...] = ()
        # Unbounded queue, bounded by the semaphore for members' frames: a
        # member's `closed` must never be dropped or wait.
        self._requests: asyncio.Queue[room_pb2.SessionRequest | None] = asyncio.Queue()
        self._frame_slots = asyncio.Semaphore(queue_frames)
        self._state = _State.OPEN
        self._call: SessionCall | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._close_started = False

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        call = self._client.open_session()
        self._call = call
        opening = room_pb2.SessionOpen(room_id=self.room_id, gateway_id=self._gateway_id)
        self._requests.put_nowait(room_pb2.SessionRequest(open=opening))
        self._tasks = [
            asyncio.create_task(self._write_loop(call), name=f"link-writer:{self.room_id}"),
            asyncio.create_task(self._read_loop(call), name=f"link-reader:{self.room_id}"),
        ]

    @property
    def empty(self) -> bool:
        return not self._members

    def claim_close(self) -> bool:
        """True once: for whoever is to run ``aclose``."""
        if self._close_started:
            return False
        self._close_started = True
        return True

    async def aclose(self) -> None:
        """Finish the stream (half-close, let the room end it), then cancel."""
        graceful = self._state is _State.OPEN
        if graceful:
            self._state = _State.CLOSING
            self._requests.put_nowait(None)
            await asyncio.wait(self._tasks, timeout=CLOSE_GRACE_S)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._call is not None:
            self._call.cancel()

    # ------------------------------------------------------------ members

    def attach(self, member: Member) -> None:
        self._members[member.conn_id] = member

    def detach(self, member: Member) -> None:
        if self._members.pop(member.conn_id, None) is None:
            return
        if self._joined.pop(member.conn_id, None) is not None:
            self._joined_view = tuple(self._joined.values())
        if self._state is _State.OPEN:
            closed = room_pb2.ConnectionClosed(conn_id=member.conn_id)
            self._requests.put_nowait(room_pb2.SessionRequest(closed=closed))

    async def send(self, conn_id: str, frame: room_pb2.ClientFrame) -> None:
        """Forward a member's frame; waits while the stream's queue is full."""
        await self._frame_slots.acquire()
        if self._state is not _State.OPEN:
            self._frame_slots.release()
            return  # the failure already told the member to reconnect
        request = room_pb2.SessionRequest()
        request.frame.conn_id = conn_id
        request.frame.frame.CopyFrom(frame)
        self._requests.put_nowait(request)

    # ------------------------------------------------------------ loops

    async def _write_loop(self, call: SessionCall) -> None:
        """Send whatever is queued as one batch (one gRPC message)."""
        try:
            while True:
                batch = [await self._requests.get()]
                while len(batch) < MAX_BATCH and not self._requests.empty():
                    batch.append(self._requests.get_nowait())
                requests = [r for r in batch if r is not None]
                if requests:
                    await call.write(room_pb2.SessionRequests(requests=requests))
                    for request in requests:
                        if request.HasField("frame"):
                            self._frame_slots.release()
                if None in batch:
                    await call.done_writing()
                    return
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
            return  # the reader sees the stream's failure and reports it

    async def _read_loop(self, call: SessionCall) -> None:
        failure: grpc.aio.AioRpcError | None = None
        try:
            while True:
                batch = await call.read()
                if batch is EOF:
                    break
                assert isinstance(batch, room_pb2.SessionResponses)
                for response in batch.responses:
                    self._dispatch(response)
        except grpc.aio.AioRpcError as exc:
            failure = exc
        except Exception:
            log.exception("room %s: link reader failed", self.room_id)
        if self._state is _State.OPEN:
            self._fail(failure)

    def _dispatch(self, response: room_pb2.SessionResponse) -> None:
        frame = response.frame
        kind = frame.WhichOneof("kind")
        targets: tuple[Member, ...] | list[Member]
        if response.conn_ids:
            members = self._members
            targets = [m for cid in response.conn_ids if (m := members.get(cid)) is not None]
            if kind == "welcome" and targets:
                for member in targets:
                    self._joined[member.conn_id] = member
                self._joined_view = tuple(self._joined.values())
        else:
            targets = self._joined_view
        if not targets:
            return
        if kind is not None:
            encoded = encode_frame(frame)
            for member in targets:
                member.deliver(encoded)
            self._metrics.frames_out += len(targets)
        if response.close:
            code, reason = close_codes.for_frame(frame)
            for member in targets:
                member.close_after(code, reason)

    def _fail(self, failure: grpc.aio.AioRpcError | None) -> None:
        """The stream ended under us: tell every member, then close them."""
        self._state = _State.FAILED
        self._metrics.link_failures += 1
        self._on_failed(self)
        status = failure.code() if failure is not None else grpc.StatusCode.OK
        log.warning("room %s: stream ended (%s)", self.room_id, status.name)
        if status == grpc.StatusCode.NOT_FOUND:
            text = error_frame(room_pb2.ERROR_CODE_UNKNOWN_ROOM, "No such room.", fatal=True)
            code, reason = close_codes.UNKNOWN_ROOM, "unknown room"
        else:
            text = error_frame(
                room_pb2.ERROR_CODE_UNAVAILABLE,
                "The room service is unavailable; reconnect and resume.",
                retryable=True,
                fatal=True,
            )
            code, reason = close_codes.SERVICE_RESTART, close_codes.SERVICE_RESTART_REASON
        for member in list(self._members.values()):
            member.deliver(text)
            member.close_after(code, reason)


class LinkRegistry:
    """The open links of this process, by room; owns the tasks closing them."""

    def __init__(
        self, client: RoomClient, *, gateway_id: str, queue_frames: int, metrics: GatewayMetrics
    ) -> None:
        self._client = client
        self._gateway_id = gateway_id
        self._queue_frames = queue_frames
        self._metrics = metrics
        self._links: dict[str, RoomLink] = {}
        # Every link not yet closed, failed ones included (they still hold members).
        self._unclosed: set[RoomLink] = set()
        self._closing: set[asyncio.Task[None]] = set()
        metrics.track_links(lambda: len(self._links))

    def __len__(self) -> int:
        return len(self._links)

    def attach(self, room_id: str, member: Member) -> RoomLink:
        """The room's link (opened now if there is none), with ``member`` on it."""
        link = self._links.get(room_id)
        if link is None:
            link = RoomLink(
                room_id,
                self._client,
                gateway_id=self._gateway_id,
                queue_frames=self._queue_frames,
                metrics=self._metrics,
                on_failed=self._forget,
            )
            self._links[room_id] = link
            self._unclosed.add(link)
            self._metrics.links_opened += 1
            link.start()
        link.attach(member)
        return link

    def detach(self, link: RoomLink, member: Member) -> None:
        """Take ``member`` off ``link``; the last one out closes the link."""
        link.detach(member)
        if link.empty and link.claim_close():
            self._forget(link)
            task = asyncio.create_task(self._close(link), name=f"link-close:{link.room_id}")
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def _forget(self, link: RoomLink) -> None:
        if self._links.get(link.room_id) is link:
            del self._links[link.room_id]

    async def _close(self, link: RoomLink) -> None:
        try:
            await link.aclose()
        finally:
            self._unclosed.discard(link)

    async def aclose(self) -> None:
        """Close every link (shutdown)."""
        links = [link for link in self._unclosed if link.claim_close()]
        self._links.clear()
        await asyncio.gather(*(self._close(link) for link in links), *self._closing)
