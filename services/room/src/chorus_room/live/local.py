"""In-process adapters of the live-state ports: one instance's view, as the
room service keeps it today (the Redis adapters share it across instances)."""

from __future__ import annotations

from chorus.v1 import room_pb2

from chorus_room.budget import ChainBudget
from chorus_room.presence import PresenceTracker


class LocalRoomBudget:
    def __init__(self, *, limit: int, window_s: float) -> None:
        self._budget = ChainBudget(limit, window_s)

    async def try_spend(self, room_id: str) -> bool:
        return self._budget.try_spend(room_id)


class LocalPresence:
    def __init__(self) -> None:
        self._tracker = PresenceTracker()

    async def connect(self, room_id: str, participant_id: str) -> bool:
        return self._tracker.connect(room_id, participant_id)

    async def disconnect(self, room_id: str, participant_id: str) -> bool:
        return self._tracker.disconnect(room_id, participant_id)

    async def online(self, room_id: str) -> list[str]:
        return self._tracker.online(room_id)

    async def aclose(self) -> None:
        return None


class LocalActiveReplies:
    def __init__(self) -> None:
        self._replies: dict[str, dict[str, room_pb2.ActiveReply]] = {}

    async def update(self, room_id: str, reply: room_pb2.ActiveReply) -> None:
        stored = room_pb2.ActiveReply()
        stored.CopyFrom(reply)
        self._replies.setdefault(room_id, {})[reply.reply_id] = stored

    async def finish(self, room_id: str, reply_id: str) -> None:
        replies = self._replies.get(room_id)
        if replies is not None:
            replies.pop(reply_id, None)
            if not replies:
                del self._replies[room_id]

    async def active(self, room_id: str) -> list[room_pb2.ActiveReply]:
        return sorted(self._replies.get(room_id, {}).values(), key=lambda r: r.reply_id)

    async def aclose(self) -> None:
        self._replies.clear()
