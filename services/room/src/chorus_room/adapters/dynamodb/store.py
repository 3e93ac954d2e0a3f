"""The DynamoDB Store (aioboto3): one table, one partition per room.

``append`` is one TransactWriteItems: the room item's ``last_seq`` moves from
the value this instance read to the next one (a condition, so two instances
can never hand out the same seq and a failed write leaves no gap), the event
item(s), the dedupe item (a condition: an idempotent send stores once), the
message pointer and the participant change commit together or not at all.
Appends to one room from one instance are serialized by a lock (no point
racing ourselves), and the last seq seen is remembered so that the usual
append is one round trip; another instance's append makes the condition fail
and the room item is read again.

Each transaction carries a ClientRequestToken, so a retry after a lost
response cannot commit twice.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from enum import Enum
from typing import Any, TypeVar

import aioboto3
from aiobotocore.config import AioConfig
from botocore.exceptions import ClientError
from chorus.v1 import room_pb2

from chorus_room.adapters.dynamodb import items
from chorus_room.adapters.dynamodb.retry import RetryPolicy, call, cancel_reasons, error_code
from chorus_room.adapters.dynamodb.tables import create_table
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
#: Rooms whose last seq this instance remembers.
_SEQ_CACHE_ROOMS = 10_000
#: Tries of one append that lose the seq race to another instance.
_SEQ_RACE_ATTEMPTS = 64


class _Outcome(Enum):
    STORED = "stored"
    SEQ_TAKEN = "seq taken"
    NO_ROOM = "no room"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"


def client_config(*, connect_timeout_s: float = 2.0, read_timeout_s: float = 5.0) -> AioConfig:
    """botocore settings: no retries of its own (RetryPolicy decides), short
    timeouts so an unreachable endpoint fails fast and retryably."""
    return AioConfig(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=connect_timeout_s,
        read_timeout=read_timeout_s,
        max_pool_connections=64,
    )


class DynamoStore:
    def __init__(self, client: Any, table: str, policy: RetryPolicy, stack: AsyncExitStack) -> None:
        self._client = client
        self._table = table
        self._policy = policy
        self._stack = stack
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._last_seq: OrderedDict[str, int] = OrderedDict()

    @classmethod
    async def open(
        cls,
        *,
        table: str,
        region: str,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        policy: RetryPolicy | None = None,
        config: AioConfig | None = None,
    ) -> DynamoStore:
        """Connect to ``table`` (it must exist: see ``tables.create_table``)."""
        session = aioboto3.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            region_name=region,
        )
        stack = AsyncExitStack()
        client = await stack.enter_async_context(
            session.client("dynamodb", endpoint_url=endpoint_url, config=config or client_config())
        )
        return cls(client, table, policy or RetryPolicy(), stack)

    async def create_table(self) -> bool:
        """Create this store's table (development and tests); False if it existed."""
        return await self._call("create_table", lambda: create_table(self._client, self._table))

    async def _call(self, what: str, fn: Callable[[], Awaitable[T]]) -> T:
        return await call(self._policy, what, fn)

    # ------------------------------------------------------------- rooms

    async def create_room(self, room: RoomRecord) -> None:
        async def put() -> None:
            try:
                await self._client.put_item(
                    TableName=self._table,
                    Item=items.to_av(items.room_item(room)),
                    ConditionExpression="attribute_not_exists(pk)",
                )
            except ClientError as exc:
                if error_code(exc) == "ConditionalCheckFailedException":
                    raise StoreError(f"room {room.id} exists", retryable=False) from exc
                raise

        await self._call("create_room", put)

    async def get_room(self, room_id: str) -> RoomRecord | None:
        item = await self._get(room_id, items.ROOM_SK)
        return items.room_record(item) if item else None

    async def _get(self, room_id: str, sk: str) -> items.Item | None:
        response = await self._call(
            "get_item",
            lambda: self._client.get_item(
                TableName=self._table,
                Key=items.to_av(items.key(room_id, sk)),
                ConsistentRead=True,
            ),
        )
        found = response.get("Item")
        return items.from_av(found) if found else None

    # ------------------------------------------------------ participants

    async def participants(self, room_id: str) -> list[ParticipantRecord]:
        found = await self._query_prefix(room_id, items.PARTICIPANT)
        found.sort(key=lambda item: int(item["ord"]))
        return [items.participant_record(item) for item in found]

    async def participant_by_token(self, room_id: str, token_hash: str) -> ParticipantRecord | None:
        if not token_hash:
            return None
        found = await self._query_prefix(room_id, items.PARTICIPANT, token=token_hash)
        return items.participant_record(found[0]) if found else None

    async def _query_prefix(
        self, room_id: str, prefix: str, *, token: str | None = None
    ) -> list[items.Item]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": items.to_av({":pk": room_id, ":prefix": prefix}),
            "ConsistentRead": True,
        }
        if token is not None:
            kwargs["FilterExpression"] = "#token = :token"
            kwargs["ExpressionAttributeNames"] = {"#token": "token"}
            kwargs["ExpressionAttributeValues"][":token"] = {"S": token}
        out: list[items.Item] = []
        async for page in self._pages("query", kwargs):
            out.extend(items.from_av(i) for i in page.get("Items", ()))
        return out

    async def _pages(self, what: str, kwargs: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        start: dict[str, Any] | None = None
        while True:
            args = {**kwargs, "ExclusiveStartKey": start} if start else kwargs
            page: dict[str, Any] = await self._call(what, lambda a=args: self._client.query(**a))  # type: ignore[misc]
            yield page
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    # ------------------------------------------------------------ events

    @asynccontextmanager
    async def _room_lock(self, room_id: str) -> AsyncIterator[None]:
        lock = self._locks.get(room_id)
        if lock is None:
            lock = self._locks[room_id] = asyncio.Lock()
        async with lock:
            yield

    def _remember(self, room_id: str, seq: int) -> None:
        self._last_seq[room_id] = seq
        self._last_seq.move_to_end(room_id)
        while len(self._last_seq) > _SEQ_CACHE_ROOMS:
            self._last_seq.popitem(last=False)

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
        async with self._room_lock(room_id):
            for attempt in range(1, _SEQ_RACE_ATTEMPTS + 1):
                expected = self._last_seq.get(room_id)
                if expected is None:
                    room = await self.get_room(room_id)
                    if room is None:
                        raise UnknownRoomError(room_id)
                    expected = room.last_seq
                stored.seq = expected + 1
                try:
                    outcome = await self._transact(room_id, stored, expected, mutation, dedupe_key)
                except StoreError:
                    # Maybe written, maybe not: read the room again next time.
                    self._last_seq.pop(room_id, None)
                    raise
                if outcome is _Outcome.STORED:
                    self._remember(room_id, stored.seq)
                    return Appended(event=stored)
                self._last_seq.pop(room_id, None)
                if outcome is _Outcome.NO_ROOM:
                    raise UnknownRoomError(room_id)
                if outcome is _Outcome.DUPLICATE:
                    earlier = await self._deduped(room_id, dedupe_key)
                    if earlier is not None:
                        return Appended(event=earlier, duplicate=True)
                if outcome is _Outcome.CONFLICT:
                    await asyncio.sleep(self._policy.delay(min(attempt, 8)))
        raise StoreError(f"dynamodb append: room {room_id} is too contended", retryable=True)

    async def _transact(
        self,
        room_id: str,
        stored: room_pb2.RoomEvent,
        expected: int,
        mutation: Mutation | None,
        dedupe_key: str,
    ) -> _Outcome:
        seq = stored.seq
        try:
            event_items = items.event_items(room_id, stored)
        except ValueError as exc:
            raise StoreError(str(exc), retryable=False) from exc
        sets = ["last_seq = :next", "last_activity_ms = :at"]
        values: dict[str, Any] = {":next": seq, ":at": stored.at_ms, ":expected": expected}
        names: dict[str, str] = {}
        if isinstance(mutation, SetRoomInfo):
            sets += ["#name = :name", "description = :description"]
            values |= {":name": mutation.name, ":description": mutation.description}
            names["#name"] = "name"
        room_update: dict[str, Any] = {
            "TableName": self._table,
            "Key": items.to_av(items.key(room_id, items.ROOM_SK)),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": "last_seq = :expected",
            "ExpressionAttributeValues": items.to_av(values),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if names:
            room_update["ExpressionAttributeNames"] = names
        writes: list[dict[str, Any]] = [{"Update": room_update}]
        writes += [{"Put": self._put(item, new=True)} for item in event_items]
        dedupe_at = -1
        if dedupe_key:
            dedupe_at = len(writes)
            dedupe = {**items.key(room_id, items.DEDUPE + dedupe_key), "seq": seq}
            writes.append({"Put": self._put(dedupe, new=True)})
        if stored.HasField("message") and stored.message.id:
            pointer = {**items.key(room_id, items.MESSAGE + stored.message.id), "seq": seq}
            writes.append({"Put": self._put(pointer)})
        if isinstance(mutation, UpsertParticipant | RemoveParticipant):
            writes.append(self._participant_write(room_id, seq, mutation))
        token = uuid.uuid4().hex
        try:
            await self._call(
                "append",
                lambda: self._client.transact_write_items(
                    TransactItems=writes, ClientRequestToken=token
                ),
            )
        except StoreError as exc:
            cause = exc.__cause__
            if (
                isinstance(cause, ClientError)
                and error_code(cause) == "TransactionCanceledException"
            ):
                return self._cancelled(cause, dedupe_at)
            raise
        return _Outcome.STORED

    @staticmethod
    def _cancelled(exc: ClientError, dedupe_at: int) -> _Outcome:
        reasons = cancel_reasons(exc)
        if 0 <= dedupe_at < len(reasons) and reasons[dedupe_at] == "ConditionalCheckFailed":
            return _Outcome.DUPLICATE
        if reasons and reasons[0] == "ConditionalCheckFailed":
            old = (exc.response.get("CancellationReasons") or [{}])[0].get("Item")
            return _Outcome.SEQ_TAKEN if old else _Outcome.NO_ROOM
        if set(reasons) - {"None", "ConditionalCheckFailed"}:
            return _Outcome.CONFLICT  # TransactionConflict, throttling: try again
        raise StoreError(f"dynamodb append cancelled: {reasons}", retryable=False) from exc

    def _put(self, item: items.Item, *, new: bool = False) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table, "Item": items.to_av(item)}
        if new:
            put["ConditionExpression"] = "attribute_not_exists(sk)"
        return put

    def _participant_write(
        self, room_id: str, seq: int, mutation: UpsertParticipant | RemoveParticipant
    ) -> dict[str, Any]:
        if isinstance(mutation, RemoveParticipant):
            sk = items.PARTICIPANT + mutation.participant_id
            return {
                "Delete": {"TableName": self._table, "Key": items.to_av(items.key(room_id, sk))}
            }
        record = mutation.record
        sk = items.PARTICIPANT + record.participant.id
        return {
            "Update": {
                "TableName": self._table,
                "Key": items.to_av(items.key(room_id, sk)),
                # A participant keeps its place (ord: the seq that added it).
                "UpdateExpression": "SET body = :body, #token = :token,"
                " ord = if_not_exists(ord, :seq)",
                "ExpressionAttributeNames": {"#token": "token"},
                "ExpressionAttributeValues": items.to_av(
                    {
                        ":body": record.participant.SerializeToString(),
                        ":token": record.token_hash,
                        ":seq": seq,
                    }
                ),
            }
        }

    async def _deduped(self, room_id: str, dedupe_key: str) -> room_pb2.RoomEvent | None:
        pointer = await self._get(room_id, items.DEDUPE + dedupe_key)
        return await self._event(room_id, int(pointer["seq"])) if pointer else None

    async def _event(self, room_id: str, seq: int) -> room_pb2.RoomEvent | None:
        head = await self._get(room_id, items.event_sk(seq))
        if head is None:
            return None
        return (await self._with_chunks(room_id, [head]))[0]

    async def _with_chunks(self, room_id: str, heads: list[items.Item]) -> list[room_pb2.RoomEvent]:
        out = []
        for head in heads:
            chunks: list[bytes] = []
            if items.parts(head) > 1:
                prefix = items.CHUNK + items.event_sk(int(head["seq"]))[len(items.EVENT) :] + "#"
                found = await self._query_prefix(room_id, prefix)
                found.sort(key=lambda item: str(item["sk"]))
                chunks = [bytes(item["body"]) for item in found]
                if len(chunks) != items.parts(head) - 1:
                    raise StoreError(f"event {head['sk']} of room {room_id} is missing chunks")
            out.append(items.event_from(head, chunks))
        return out

    async def events_after(self, room_id: str, after_seq: int, limit: int) -> EventPage:
        low = items.event_sk(max(after_seq, 0) + 1)
        return await self._page(room_id, low, items.event_sk(items.MAX_SEQ), limit, forward=True)

    async def events_before(self, room_id: str, before_seq: int, limit: int) -> EventPage:
        bound = before_seq if before_seq > 0 else items.MAX_SEQ + 1
        if bound <= 1:
            return EventPage([], has_more=False)
        return await self._page(
            room_id, items.event_sk(1), items.event_sk(bound - 1), limit, forward=False
        )

    async def _page(
        self, room_id: str, low: str, high: str, limit: int, *, forward: bool
    ) -> EventPage:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": items.to_av({":pk": room_id, ":low": low, ":high": high}),
            "ConsistentRead": True,
            "ScanIndexForward": forward,
            "Limit": limit + 1,
        }
        heads: list[items.Item] = []
        async for page in self._pages("query", kwargs):
            heads.extend(items.from_av(i) for i in page.get("Items", ()))
            if len(heads) > limit:
                break
            kwargs["Limit"] = limit + 1 - len(heads)
        has_more = len(heads) > limit
        events = await self._with_chunks(room_id, heads[:limit])
        if not forward:
            events.reverse()
        return EventPage(events, has_more=has_more)

    async def message(self, room_id: str, message_id: str) -> room_pb2.Message | None:
        if not message_id:
            return None
        pointer = await self._get(room_id, items.MESSAGE + message_id)
        if pointer is None:
            return None
        event = await self._event(room_id, int(pointer["seq"]))
        return event.message if event is not None else None

    async def aclose(self) -> None:
        await self._stack.aclose()
