"""WebSocket close codes the gateway uses, and the one a fatal room error maps to."""

from __future__ import annotations

from chorus.v1 import room_pb2

#: A bad or missing join, or another fatal protocol error.
POLICY_VIOLATION = 1008
#: The room service went away: reconnect and resume by seq.
SERVICE_RESTART = 1012
#: The outbound queue overflowed: reconnect and resume by seq.
SLOW_CONSUMER = 4008
#: The invite or the owner token was refused.
FORBIDDEN = 4403
#: No such room.
UNKNOWN_ROOM = 4404

SLOW_CONSUMER_REASON = "slow consumer: reconnect and resume"
SERVICE_RESTART_REASON = "room service unavailable: reconnect and resume"

_BY_ERROR: dict[int, int] = {
    room_pb2.ERROR_CODE_BAD_INVITE: FORBIDDEN,
    room_pb2.ERROR_CODE_FORBIDDEN: FORBIDDEN,
    room_pb2.ERROR_CODE_UNKNOWN_ROOM: UNKNOWN_ROOM,
    room_pb2.ERROR_CODE_UNAVAILABLE: SERVICE_RESTART,
    room_pb2.ERROR_CODE_SLOW_CONSUMER: SLOW_CONSUMER,
}


def for_frame(frame: room_pb2.ServerFrame) -> tuple[int, str]:
    """The close code and reason for a frame the room sent with ``close``."""
    if frame.WhichOneof("kind") != "error":
        return POLICY_VIOLATION, "closed by the room"
    code = frame.error.code
    try:
        name = room_pb2.ErrorCode.Name(code)
    except ValueError:  # a code newer than this gateway's schema
        name = "ERROR_CODE_UNSPECIFIED"
    reason = name.removeprefix("ERROR_CODE_").lower().replace("_", " ")
    return _BY_ERROR.get(code, POLICY_VIOLATION), reason
