"""Who a log line is about: request, room, participant and reply ids, held in
a context variable so that every line logged while handling something carries
them, and tasks started from there (a reply started by a message) inherit them.

The request id crosses processes in the ``x-request-id`` header (HTTP) and
gRPC metadata key; ids that come from outside are checked before use, so a
client cannot put arbitrary text (or a secret) into the logs through them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from contextvars import ContextVar, Token
from types import MappingProxyType

#: The HTTP header and gRPC metadata key that carries the request id.
REQUEST_ID_KEY = "x-request-id"

#: The fields a log line may carry from the context, in the order they are shown.
FIELDS = (
    "request_id",
    "room_id",
    "participant_id",
    "reply_id",
    "gateway_id",
    "conn_id",
    "model",
)

_KNOWN = frozenset(FIELDS)
_EMPTY: Mapping[str, str] = MappingProxyType({})
_current: ContextVar[Mapping[str, str]] = ContextVar("chorus_log_context", default=_EMPTY)
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}")
#: The longest client ref kept in a frame's request id.
_MAX_REF_CHARS = 32


def current() -> Mapping[str, str]:
    """The fields bound in this context (read-only)."""
    return _current.get()


def request_id() -> str:
    return _current.get().get("request_id", "")


def bind(**fields: str) -> Token[Mapping[str, str]]:
    """Add (or, with an empty value, remove) fields for the rest of this
    context; ``reset(token)`` undoes it. Unknown field names are an error."""
    for name in fields:
        if name not in _KNOWN:
            raise ValueError(f"unknown log context field: {name!r}")
    merged = {**_current.get(), **fields}
    if not all(fields.values()):
        merged = {k: v for k, v in merged.items() if v}
    # A new mapping each time: what a task inherited never changes under it.
    return _current.set(MappingProxyType(merged))


def reset(token: Token[Mapping[str, str]]) -> None:
    _current.reset(token)


class scope:
    """``with scope(room_id=...):`` binds fields for the block only. (A class,
    not a generator: it runs once per WebSocket frame in the room service.)"""

    __slots__ = ("_fields", "_token")

    def __init__(self, **fields: str) -> None:
        self._fields = fields

    def __enter__(self) -> None:
        self._token = bind(**self._fields)

    def __exit__(self, *exc_info: object) -> None:
        _current.reset(self._token)


def new_request_id() -> str:
    return "q" + secrets.token_hex(8)


def clean_id(value: str | bytes | None) -> str:
    """``value`` if it is a plausible id (at most 128 characters of
    ``[A-Za-z0-9._:/@-]``), else ""."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value if value and _SAFE_ID.fullmatch(value) else ""


def request_id_from(metadata: Iterable[tuple[str, str | bytes]] | None) -> str:
    """The caller's request id from gRPC metadata (or HTTP headers), if any."""
    for key, value in metadata or ():
        if key.lower() == REQUEST_ID_KEY:
            return clean_id(value)
    return ""


def frame_request_id(conn_id: str, ref: str) -> str:
    """The request id of one WebSocket frame: ``<gateway_id>/<conn_id>/<ref>``
    (the gateway bound in this context, its connection, the client's ref)."""
    gateway = _current.get().get("gateway_id", "")
    prefix = f"{gateway}/{conn_id}/" if gateway else f"{conn_id}/"
    whole = prefix + ref
    if len(ref) <= _MAX_REF_CHARS and _SAFE_ID.fullmatch(whole):
        return whole
    return clean_id(prefix)


def outgoing_metadata() -> tuple[tuple[str, str], ...]:
    """gRPC metadata that passes this context's request id on."""
    rid = request_id()
    return ((REQUEST_ID_KEY, rid),) if rid else ()
