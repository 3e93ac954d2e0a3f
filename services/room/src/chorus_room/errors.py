"""The room service's errors: one hierarchy, translated at each boundary
(gRPC status for unary calls, an Error frame on the session stream)."""

from __future__ import annotations

import grpc
from chorus.v1 import room_pb2

Code = room_pb2.ErrorCode

_GRPC_STATUS: dict[int, grpc.StatusCode] = {
    room_pb2.ERROR_CODE_BAD_FRAME: grpc.StatusCode.INVALID_ARGUMENT,
    room_pb2.ERROR_CODE_UNKNOWN_FRAME: grpc.StatusCode.INVALID_ARGUMENT,
    room_pb2.ERROR_CODE_INVALID_ARGUMENT: grpc.StatusCode.INVALID_ARGUMENT,
    room_pb2.ERROR_CODE_TOO_LARGE: grpc.StatusCode.INVALID_ARGUMENT,
    room_pb2.ERROR_CODE_UNKNOWN_MENTION: grpc.StatusCode.INVALID_ARGUMENT,
    room_pb2.ERROR_CODE_UNKNOWN_ROOM: grpc.StatusCode.NOT_FOUND,
    room_pb2.ERROR_CODE_UNKNOWN_REPLY: grpc.StatusCode.NOT_FOUND,
    room_pb2.ERROR_CODE_BAD_INVITE: grpc.StatusCode.PERMISSION_DENIED,
    room_pb2.ERROR_CODE_FORBIDDEN: grpc.StatusCode.PERMISSION_DENIED,
    room_pb2.ERROR_CODE_NOT_JOINED: grpc.StatusCode.FAILED_PRECONDITION,
    room_pb2.ERROR_CODE_ALREADY_JOINED: grpc.StatusCode.FAILED_PRECONDITION,
    room_pb2.ERROR_CODE_RATE_LIMITED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    room_pb2.ERROR_CODE_UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    room_pb2.ERROR_CODE_MODEL_TIMEOUT: grpc.StatusCode.DEADLINE_EXCEEDED,
}

#: Trailing metadata key carrying the ErrorCode name on failed unary calls.
ERROR_CODE_METADATA_KEY = "chorus-error-code"


class RoomError(Exception):
    """An error with a code from the schema and a message safe to show users."""

    def __init__(self, code: Code, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable

    @property
    def grpc_status(self) -> grpc.StatusCode:
        return _GRPC_STATUS.get(self.code, grpc.StatusCode.INTERNAL)

    def to_proto(self, *, ref: str = "", fatal: bool = False) -> room_pb2.Error:
        return room_pb2.Error(
            code=self.code, message=self.message, ref=ref, retryable=self.retryable, fatal=fatal
        )


def unknown_room() -> RoomError:
    return RoomError(room_pb2.ERROR_CODE_UNKNOWN_ROOM, "No such room.")


def bad_invite() -> RoomError:
    return RoomError(room_pb2.ERROR_CODE_BAD_INVITE, "The invite is not valid for this room.")


def forbidden() -> RoomError:
    return RoomError(room_pb2.ERROR_CODE_FORBIDDEN, "Only the room's owner may do this.")


def invalid(message: str) -> RoomError:
    return RoomError(room_pb2.ERROR_CODE_INVALID_ARGUMENT, message)
