"""The SQLite store beyond the store contract: upgrading an older file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from chorus_room.adapters.sqlite_store import SqliteStore


@pytest.mark.asyncio
async def test_a_database_from_before_room_options_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE rooms (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,"
        " created_at_ms INTEGER NOT NULL, invite_hash TEXT NOT NULL, owner_hash TEXT NOT NULL,"
        " last_seq INTEGER NOT NULL DEFAULT 0, last_activity_ms INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute("INSERT INTO rooms VALUES ('r1', 'Old', '', 1, 'i', 'o', 0, 1)")
    db.commit()
    db.close()
    store = await SqliteStore.open(str(path))
    try:
        room = await store.get_room("r1")
        assert room is not None and room.name == "Old" and room.options == b""
    finally:
        await store.aclose()
