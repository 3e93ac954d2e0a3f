"""Creating the Chorus table, for development and tests. Production uses a
table made by its own infrastructure code, with the same key schema."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chorus_room.adapters.dynamodb.retry import error_code

KEY_SCHEMA = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]
ATTRIBUTES = [
    {"AttributeName": "pk", "AttributeType": "S"},
    {"AttributeName": "sk", "AttributeType": "S"},
]


async def create_table(client: Any, table: str) -> bool:
    """Create ``table`` (on-demand capacity) and wait until it is active.
    Returns False when it already existed."""
    try:
        await client.create_table(
            TableName=table,
            KeySchema=KEY_SCHEMA,
            AttributeDefinitions=ATTRIBUTES,
            BillingMode="PAY_PER_REQUEST",
        )
        created = True
    except ClientError as exc:
        if error_code(exc) != "ResourceInUseException":
            raise
        created = False
    waiter = client.get_waiter("table_exists")
    await waiter.wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return created
