"""The embedded Store: SQLite in WAL mode, driven from one worker thread.

Each store operation is one synchronous function run on a dedicated
single-thread executor, so an operation is a transaction that no other
coroutine can interleave with, and the event loop never blocks on disk.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from chorus.v1 import room_pb2

from chorus_room.ports.store import (
    Appended,
    EventPage,
    Mutation,
    ParticipantRecord,
    RemoveParticipant,
    RoomRecord,
    SetRoomInfo,
    StoreError,
    UnknownRoomError,
    UpsertParticipant,
)

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    invite_hash TEXT NOT NULL,
    owner_hash TEXT NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_activity_ms INTEGER NOT NULL DEFAULT 0,
    options BLOB NOT NULL DEFAULT x''
);
CREATE TABLE IF NOT EXISTS participants (
    room_id TEXT NOT NULL,
    id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    token_hash TEXT NOT NULL DEFAULT '',
    body BLOB NOT NULL,
    PRIMARY KEY (room_id, id)
);
CREATE INDEX IF NOT EXISTS participants_by_token ON participants (room_id, token_hash);
CREATE TABLE IF NOT EXISTS events (
    room_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    dedupe_key TEXT,
    message_id TEXT,
    body BLOB NOT NULL,
    PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS events_dedupe ON events (room_id, dedupe_key)
    WHERE dedupe_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_message ON events (room_id, message_id)
    WHERE message_id IS NOT NULL;
"""


def _event(body: bytes) -> room_pb2.RoomEvent:
    event = room_pb2.RoomEvent()
    event.ParseFromString(body)
    return event


def _room(row: sqlite3.Row) -> RoomRecord:
    return RoomRecord(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        created_at_ms=row["created_at_ms"],
        invite_hash=row["invite_hash"],
        owner_hash=row["owner_hash"],
        last_seq=row["last_seq"],
        last_activity_ms=row["last_activity_ms"],
        options=bytes(row["options"]),
    )


def _participant(row: sqlite3.Row) -> ParticipantRecord:
    participant = room_pb2.Participant()
    participant.ParseFromString(row["body"])
    return ParticipantRecord(participant=participant, token_hash=row["token_hash"])


class SqliteStore:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chorus-sqlite")
        self._path = path
        self._db: sqlite3.Connection | None = None
        # Participants by room, read on every message: this store is the only
        # writer of its file, so it keeps them in memory and drops a room's
        # entry (in the worker thread, inside the changing operation) whenever
        # they change.
        self._participants: dict[str, list[ParticipantRecord]] = {}

    @classmethod
    async def open(cls, path: str) -> SqliteStore:
        store = cls(path)
        await store._run(store._connect)
        return store

    def _connect(self) -> None:
        db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(_SCHEMA)
        columns = {row["name"] for row in db.execute("PRAGMA table_info(rooms)")}
        if "options" not in columns:  # a database from before room options
            db.execute("ALTER TABLE rooms ADD COLUMN options BLOB NOT NULL DEFAULT x''")
        self._db = db

    async def _run(self, fn: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn)
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite: {exc}") from exc

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError("store is closed", retryable=False)
        return self._db

    # ------------------------------------------------------------- rooms

    async def create_room(self, room: RoomRecord) -> None:
        def op() -> None:
            self._conn.execute(
                "INSERT INTO rooms (id, name, description, created_at_ms, invite_hash,"
                " owner_hash, last_seq, last_activity_ms, options)"
                " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (
                    room.id,
                    room.name,
                    room.description,
                    room.created_at_ms,
                    room.invite_hash,
                    room.owner_hash,
                    room.created_at_ms,
                    room.options,
                ),
            )

        await self._run(op)

    async def get_room(self, room_id: str) -> RoomRecord | None:
        def op() -> RoomRecord | None:
            row = self._conn.execute("SELECT * FROM rooms WHERE id = ?", (room_id,)).fetchone()
            return _room(row) if row else None

        return await self._run(op)

    # ------------------------------------------------------ participants

    async def participants(self, room_id: str) -> list[ParticipantRecord]:
        cached = self._participants.get(room_id)
        if cached is not None:
            return list(cached)

        def op() -> list[ParticipantRecord]:
            rows = self._conn.execute(
                "SELECT token_hash, body FROM participants WHERE room_id = ? ORDER BY ord",
                (room_id,),
            ).fetchall()
            records = [_participant(r) for r in rows]
            self._participants[room_id] = records
            return list(records)

        return await self._run(op)

    async def participant_by_token(self, room_id: str, token_hash: str) -> ParticipantRecord | None:
        def op() -> ParticipantRecord | None:
            row = self._conn.execute(
                "SELECT token_hash, body FROM participants WHERE room_id = ? AND token_hash = ?",
                (room_id, token_hash),
            ).fetchone()
            return _participant(row) if row else None

        if not token_hash:
            return None
        return await self._run(op)

    # ------------------------------------------------------------ events

    async def append(
        self,
        room_id: str,
        event: room_pb2.RoomEvent,
        *,
        mutation: Mutation | None = None,
        dedupe_key: str = "",
    ) -> Appended:
        stored = room_pb2.RoomEvent()
        stored.CopyFrom(event)
        stored.room_id = room_id

        def op() -> Appended:
            db = self._conn
            db.execute("BEGIN IMMEDIATE")
            try:
                if dedupe_key:
                    row = db.execute(
                        "SELECT body FROM events WHERE room_id = ? AND dedupe_key = ?",
                        (room_id, dedupe_key),
                    ).fetchone()
                    if row:
                        db.execute("ROLLBACK")
                        return Appended(event=_event(row["body"]), duplicate=True)
                row = db.execute(
                    "UPDATE rooms SET last_seq = last_seq + 1, last_activity_ms = ?"
                    " WHERE id = ? RETURNING last_seq",
                    (stored.at_ms, room_id),
                ).fetchone()
                if row is None:
                    raise UnknownRoomError(room_id)
                stored.seq = row["last_seq"]
                message_id = stored.message.id if stored.HasField("message") else None
                db.execute(
                    "INSERT INTO events (room_id, seq, dedupe_key, message_id, body)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        room_id,
                        stored.seq,
                        dedupe_key or None,
                        message_id,
                        stored.SerializeToString(),
                    ),
                )
                if mutation is not None:
                    self._apply(db, room_id, mutation)
                    self._participants.pop(room_id, None)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return Appended(event=stored)

        return await self._run(op)

    @staticmethod
    def _apply(db: sqlite3.Connection, room_id: str, mutation: Mutation) -> None:
        match mutation:
            case UpsertParticipant(record=record):
                p = record.participant
                db.execute(
                    "INSERT INTO participants (room_id, id, ord, token_hash, body) VALUES"
                    " (?, ?, (SELECT COALESCE(MAX(ord), 0) + 1 FROM participants WHERE room_id = ?),"
                    " ?, ?) ON CONFLICT (room_id, id) DO UPDATE SET body = excluded.body,"
                    " token_hash = excluded.token_hash",
                    (room_id, p.id, room_id, record.token_hash, p.SerializeToString()),
                )
            case RemoveParticipant(participant_id=pid):
                db.execute("DELETE FROM participants WHERE room_id = ? AND id = ?", (room_id, pid))
            case SetRoomInfo(name=name, description=description, options=options):
                db.execute(
                    "UPDATE rooms SET name = ?, description = ?, options = ? WHERE id = ?",
                    (name, description, options, room_id),
                )

    async def events_after(self, room_id: str, after_seq: int, limit: int) -> EventPage:
        def op() -> EventPage:
            rows = self._conn.execute(
                "SELECT body FROM events WHERE room_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (room_id, after_seq, limit + 1),
            ).fetchall()
            return EventPage([_event(r["body"]) for r in rows[:limit]], has_more=len(rows) > limit)

        return await self._run(op)

    async def events_before(self, room_id: str, before_seq: int, limit: int) -> EventPage:
        bound = before_seq if before_seq > 0 else 2**62

        def op() -> EventPage:
            rows = self._conn.execute(
                "SELECT body FROM events WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                (room_id, bound, limit + 1),
            ).fetchall()
            page = [_event(r["body"]) for r in rows[:limit]]
            page.reverse()
            return EventPage(page, has_more=len(rows) > limit)

        return await self._run(op)

    async def message(self, room_id: str, message_id: str) -> room_pb2.Message | None:
        def op() -> room_pb2.Message | None:
            row = self._conn.execute(
                "SELECT body FROM events WHERE room_id = ? AND message_id = ?",
                (room_id, message_id),
            ).fetchone()
            return _event(row["body"]).message if row else None

        if not message_id:
            return None
        return await self._run(op)

    async def aclose(self) -> None:
        def op() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await self._run(op)
        self._executor.shutdown(wait=True)
