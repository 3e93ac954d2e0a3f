"""A test-side gateway: one RoomSession stream carrying several connections."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable

from chorus.v1 import room_pb2, room_pb2_grpc


class SessionClient:
    def __init__(self, stub: room_pb2_grpc.RoomServiceStub, room_id: str) -> None:
        self.call = stub.RoomSession()
        self.room_id = room_id
        self._opened = False
        self.received: list[room_pb2.SessionResponse] = []
        self._unread: collections.deque[room_pb2.SessionResponse] = collections.deque()

    async def _open(self) -> None:
        if not self._opened:
            self._opened = True
            await self.write(
                room_pb2.SessionRequest(
                    open=room_pb2.SessionOpen(room_id=self.room_id, gateway_id="test")
                )
            )

    async def write(self, *requests: room_pb2.SessionRequest) -> None:
        """One batch (one gRPC message) of requests."""
        await self.call.write(room_pb2.SessionRequests(requests=requests))

    async def frame(self, conn_id: str, frame: room_pb2.ClientFrame) -> None:
        await self._open()
        await self.write(
            room_pb2.SessionRequest(frame=room_pb2.ConnectionFrame(conn_id=conn_id, frame=frame))
        )

    async def join(
        self, conn_id: str, invite: str, name: str, *, after_seq: int | None = None, token: str = ""
    ) -> room_pb2.Welcome:
        join = room_pb2.Join(invite_token=invite, display_name=name, participant_token=token)
        if after_seq is not None:
            join.after_seq = after_seq
        await self.frame(conn_id, room_pb2.ClientFrame(join=join))
        response = await self.next_for(
            conn_id, lambda r: r.frame.HasField("welcome") or r.frame.HasField("error")
        )
        if response.frame.HasField("error"):
            raise AssertionError(f"join failed: {response.frame.error}")
        return response.frame.welcome

    async def send(
        self, conn_id: str, text: str, client_msg_id: str = "", ref: str = "", reply_to: str = ""
    ) -> None:
        await self.frame(
            conn_id,
            room_pb2.ClientFrame(
                ref=ref,
                send=room_pb2.SendMessage(
                    client_msg_id=client_msg_id, text=text, reply_to_id=reply_to
                ),
            ),
        )

    async def close_conn(self, conn_id: str) -> None:
        await self.write(room_pb2.SessionRequest(closed=room_pb2.ConnectionClosed(conn_id=conn_id)))

    async def next_for(
        self,
        conn_id: str,
        predicate: Callable[[room_pb2.SessionResponse], bool],
        within: float = 10.0,
    ) -> room_pb2.SessionResponse:
        """The next response delivered to conn_id that matches (others are kept)."""
        async with asyncio.timeout(within):
            while True:
                if not self._unread:
                    batch = await self.call.read()
                    assert isinstance(batch, room_pb2.SessionResponses), batch
                    self._unread.extend(batch.responses)
                response = self._unread.popleft()
                self.received.append(response)
                if (not response.conn_ids or conn_id in response.conn_ids) and predicate(response):
                    return response

    async def events_until(
        self, conn_id: str, predicate: Callable[[room_pb2.RoomEvent], bool], within: float = 10.0
    ) -> list[room_pb2.RoomEvent]:
        """Events delivered to conn_id up to and including the first that matches."""
        events: list[room_pb2.RoomEvent] = []

        def collect(response: room_pb2.SessionResponse) -> bool:
            if not response.frame.HasField("event"):
                return False
            events.append(response.frame.event)
            return predicate(response.frame.event)

        await self.next_for(conn_id, collect, within)
        return events

    async def aclose(self) -> None:
        await self.call.done_writing()
        self.call.cancel()
