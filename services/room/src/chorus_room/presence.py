"""Who is online in each room: connections per participant on this instance."""

from __future__ import annotations

from collections import Counter, defaultdict


class PresenceTracker:
    def __init__(self) -> None:
        self._connections: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def connect(self, room_id: str, participant_id: str) -> bool:
        """Count a connection; True when the participant just came online."""
        counts = self._connections[room_id]
        counts[participant_id] += 1
        return counts[participant_id] == 1

    def disconnect(self, room_id: str, participant_id: str) -> bool:
        """Uncount a connection; True when the participant just went offline."""
        counts = self._connections.get(room_id)
        if counts is None or counts[participant_id] <= 0:
            return False
        counts[participant_id] -= 1
        if counts[participant_id] > 0:
            return False
        del counts[participant_id]
        if not counts:
            del self._connections[room_id]
        return True

    def online(self, room_id: str) -> list[str]:
        return sorted(self._connections.get(room_id, {}))
