"""Unguessable identifiers and secrets, and how secrets are kept (hashed)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time


def new_room_id() -> str:
    """128 random bits: a room id is part of the invite link and must not be guessable."""
    return "r" + secrets.token_urlsafe(16)


def new_id(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(12)


def new_secret() -> str:
    """256 random bits for invite, owner and participant tokens."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Only hashes of secrets are stored, so a leaked database grants nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return bool(secret) and hmac.compare_digest(hash_secret(secret), stored_hash)


def now_ms() -> int:
    return time.time_ns() // 1_000_000
