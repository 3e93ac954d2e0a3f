"""``python -m chorus_room.adapters.dynamodb``: create the room service's
DynamoDB table (development; production tables come from infrastructure
code), from the same CHORUS_ROOM_DYNAMODB_* settings the service reads."""

from __future__ import annotations

import asyncio
import sys

from pydantic import ValidationError

from chorus_room.adapters.dynamodb.store import DynamoStore
from chorus_room.composition import open_store
from chorus_room.config import RoomSettings


async def create(settings: RoomSettings) -> bool:
    store = await open_store(settings.model_copy(update={"dynamodb_create_table": False}))
    try:
        if not isinstance(store, DynamoStore):
            raise TypeError("not a DynamoDB store")
        return await store.create_table()
    finally:
        await store.aclose()


def main() -> None:
    try:
        settings = RoomSettings(store="dynamodb")
    except ValidationError as exc:
        print(f"invalid settings:\n{exc}", file=sys.stderr)
        sys.exit(2)
    created = asyncio.run(create(settings))
    where = settings.dynamodb_endpoint or f"AWS {settings.dynamodb_region}"
    state = "created" if created else "already exists"
    print(f"table {settings.dynamodb_table} on {where}: {state}")


if __name__ == "__main__":
    main()
