"""One error type for the REST edge, and the translation of gRPC failures
into it: an HTTP status plus the schema's ErrorCode name and a message.

The room service names the ErrorCode of a failed unary call in the trailing
metadata key ``chorus-error-code``; when it is missing (the chat service, a
transport failure) the code is derived from the gRPC status.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeAlias, cast

import grpc
from chorus.v1 import room_pb2

ErrorCode: TypeAlias = room_pb2.ErrorCode

ERROR_CODE_METADATA_KEY = "chorus-error-code"

_HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
}

_FALLBACK_CODE: dict[grpc.StatusCode, ErrorCode] = {
    grpc.StatusCode.NOT_FOUND: room_pb2.ERROR_CODE_UNKNOWN_ROOM,
    grpc.StatusCode.PERMISSION_DENIED: room_pb2.ERROR_CODE_FORBIDDEN,
    grpc.StatusCode.UNAUTHENTICATED: room_pb2.ERROR_CODE_BAD_INVITE,
    grpc.StatusCode.INVALID_ARGUMENT: room_pb2.ERROR_CODE_INVALID_ARGUMENT,
    grpc.StatusCode.RESOURCE_EXHAUSTED: room_pb2.ERROR_CODE_RATE_LIMITED,
    grpc.StatusCode.UNAVAILABLE: room_pb2.ERROR_CODE_UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: room_pb2.ERROR_CODE_UNAVAILABLE,
}

_RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


class GatewayError(Exception):
    """A failure answered to a REST client as ``{"error": {"code", "message"}}``."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        retryable: bool = False,
        retry_after_s: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        """``Retry-After`` (whole seconds) for a refusal that says when to retry."""
        if not self.retry_after_s:
            return {}
        return {"Retry-After": str(max(1, math.ceil(self.retry_after_s)))}

    @property
    def code_name(self) -> str:
        return room_pb2.ErrorCode.Name(self.code)

    def to_body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code_name, "message": self.message}}


def bad_body(message: str) -> GatewayError:
    return GatewayError(400, room_pb2.ERROR_CODE_BAD_FRAME, message)


def _code_from_metadata(exc: grpc.aio.AioRpcError) -> ErrorCode | None:
    # grpc-stubs types this as the sync API's tuple; grpc.aio returns Metadata.
    metadata = cast("Iterable[tuple[str, str | bytes]] | None", exc.trailing_metadata())
    for key, value in metadata or ():
        if key == ERROR_CODE_METADATA_KEY and isinstance(value, str):
            try:
                return cast("ErrorCode", room_pb2.ErrorCode.Value(value))
            except ValueError:
                return None
    return None


def from_rpc_error(exc: grpc.aio.AioRpcError, *, service: str) -> GatewayError:
    """Translate a failed call to ``service`` ("room", "chat")."""
    status = exc.code()
    code = _code_from_metadata(exc) or _FALLBACK_CODE.get(status, room_pb2.ERROR_CODE_INTERNAL)
    http_status = _HTTP_STATUS.get(status, 500)
    if status in _RETRYABLE:
        message = f"The {service} service is unavailable; try again."
    elif http_status == 500:
        message = f"The {service} service failed ({status.name})."
    else:
        message = exc.details() or status.name
    return GatewayError(http_status, code, message, retryable=status in _RETRYABLE)
