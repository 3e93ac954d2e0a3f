"""The transcript a persona's prompt shows, read from the room's log.

Remembers, per room, where the shown window starts (its anchor seq), so that
consecutive prompts in a room extend each other (see `domain/window.py`).
Reading costs the window, not the room: at most `max_events` events, from the
anchor or back from the newest.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from chorus.v1 import room_pb2

from chorus_room.domain.prompt import estimate_tokens, transcript_line
from chorus_room.domain.window import window_start
from chorus_room.ports.store import Store

#: Rooms whose anchors are remembered (least recently used are forgotten).
MAX_ROOMS = 10_000


class Transcripts:
    def __init__(self, store: Store, *, budget: int, max_events: int = 200) -> None:
        self._store = store
        self._budget = budget
        self._max_events = max_events
        self._anchors: OrderedDict[str, int] = OrderedDict()

    async def window(self, room_id: str, upto_seq: int = 0) -> list[room_pb2.Message]:
        """The messages to show, oldest first, ending with the newest one
        with seq <= ``upto_seq`` (0: the newest in the room)."""
        anchor = self._anchors.get(room_id)
        # A window that ends before the room's anchor (a late reply to an old
        # message) is a one-off: it leaves the anchor where it is.
        earlier = bool(upto_seq and anchor is not None and upto_seq < anchor)
        events = None if earlier else await self._from_anchor(room_id, upto_seq)
        if events is None:
            before = upto_seq + 1 if upto_seq else 0
            page = await self._store.events_before(room_id, before, self._max_events)
            events = list(page.events)
        messages = [e.message for e in events if e.HasField("message")]
        seqs = [e.seq for e in events if e.HasField("message")]
        if not messages:
            return []
        anchor_index = seqs.index(anchor) if anchor in seqs else None
        costs = [estimate_tokens(transcript_line(m)) for m in messages]
        start = window_start(costs, anchor_index, budget=self._budget)
        if not earlier:
            self._remember(room_id, seqs[start])
        return messages[start:]

    async def _from_anchor(
        self, room_id: str, upto_seq: int
    ) -> Sequence[room_pb2.RoomEvent] | None:
        """The events from the remembered anchor, if they are few enough."""
        anchor = self._anchors.get(room_id)
        if anchor is None:
            return None
        page = await self._store.events_after(room_id, anchor - 1, self._max_events)
        events = [e for e in page.events if not upto_seq or e.seq <= upto_seq]
        if page.has_more and (not upto_seq or page.events[-1].seq < upto_seq):
            return None  # more than a window's worth since the anchor
        return events

    def _remember(self, room_id: str, anchor: int) -> None:
        self._anchors[room_id] = anchor
        self._anchors.move_to_end(room_id)
        while len(self._anchors) > MAX_ROOMS:
            self._anchors.popitem(last=False)
