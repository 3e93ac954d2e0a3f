"""The DynamoDB store: one table, items in ``items``, retries in ``retry``."""

from chorus_room.adapters.dynamodb.retry import RetryPolicy
from chorus_room.adapters.dynamodb.store import DynamoStore, client_config
from chorus_room.adapters.dynamodb.tables import create_table

__all__ = ["DynamoStore", "RetryPolicy", "client_config", "create_table"]
