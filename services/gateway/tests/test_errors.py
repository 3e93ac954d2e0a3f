"""Translation of gRPC failures into REST errors."""

from __future__ import annotations

import grpc
import pytest
from chorus.v1 import room_pb2
from chorus_gateway.errors import from_rpc_error


def _rpc_error(
    status: grpc.StatusCode, details: str = "details", code_name: str | None = None
) -> grpc.aio.AioRpcError:
    trailing = grpc.aio.Metadata()
    if code_name is not None:
        trailing.add("chorus-error-code", code_name)
    return grpc.aio.AioRpcError(status, grpc.aio.Metadata(), trailing, details, None)


@pytest.mark.parametrize(
    ("status", "http", "code"),
    [
        (grpc.StatusCode.NOT_FOUND, 404, room_pb2.ERROR_CODE_UNKNOWN_ROOM),
        (grpc.StatusCode.PERMISSION_DENIED, 403, room_pb2.ERROR_CODE_FORBIDDEN),
        (grpc.StatusCode.UNAUTHENTICATED, 401, room_pb2.ERROR_CODE_BAD_INVITE),
        (grpc.StatusCode.INVALID_ARGUMENT, 400, room_pb2.ERROR_CODE_INVALID_ARGUMENT),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, 429, room_pb2.ERROR_CODE_RATE_LIMITED),
        (grpc.StatusCode.UNAVAILABLE, 503, room_pb2.ERROR_CODE_UNAVAILABLE),
        (grpc.StatusCode.DEADLINE_EXCEEDED, 503, room_pb2.ERROR_CODE_UNAVAILABLE),
        (grpc.StatusCode.INTERNAL, 500, room_pb2.ERROR_CODE_INTERNAL),
        (grpc.StatusCode.FAILED_PRECONDITION, 500, room_pb2.ERROR_CODE_INTERNAL),
    ],
)
def test_fallback_from_status(status: grpc.StatusCode, http: int, code: int) -> None:
    error = from_rpc_error(_rpc_error(status), service="room")
    assert error.status == http
    assert error.code == code
    assert error.retryable == (http == 503)


def test_code_from_trailing_metadata_wins() -> None:
    error = from_rpc_error(
        _rpc_error(grpc.StatusCode.PERMISSION_DENIED, "No.", "ERROR_CODE_BAD_INVITE"),
        service="room",
    )
    assert error.to_body() == {"error": {"code": "ERROR_CODE_BAD_INVITE", "message": "No."}}


def test_unknown_metadata_code_falls_back() -> None:
    error = from_rpc_error(
        _rpc_error(grpc.StatusCode.NOT_FOUND, code_name="ERROR_CODE_FROM_THE_FUTURE"),
        service="room",
    )
    assert error.code_name == "ERROR_CODE_UNKNOWN_ROOM"


def test_transport_details_are_not_shown() -> None:
    error = from_rpc_error(
        _rpc_error(grpc.StatusCode.UNAVAILABLE, "failed to connect to 10.0.0.7:50051"),
        service="chat",
    )
    assert error.message == "The chat service is unavailable; try again."
