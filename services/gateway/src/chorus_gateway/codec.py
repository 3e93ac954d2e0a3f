"""JSON text of the WebSocket frames: the protobuf JSON mapping of
``ClientFrame`` (in) and ``ServerFrame`` (out), and the typed errors that bad
input gets.

Server frames are encoded once per event per gateway (``MessageToDict`` +
``orjson``, several times faster than ``MessageToJson``), framed once, and the
same bytes are written to every member.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, TypeAlias

import orjson
from chorus.v1 import room_pb2
from google.protobuf import json_format
from google.protobuf.message import Message

ErrorCode: TypeAlias = room_pb2.ErrorCode

#: The fields of ClientFrame, by their JSON names.
ACTIONS = frozenset(
    {"join", "send", "interrupt", "typing", "ping", "voiceStart", "voiceAudio", "voiceEnd", "speak"}
)
_FIELDS = ACTIONS | {"ref"}
_MAX_DETAIL = 200


class FrameError(Exception):
    """A client frame that cannot be forwarded; answered with an Error frame."""

    def __init__(self, code: ErrorCode, message: str, ref: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


def to_dict(message: Message) -> dict[str, Any]:
    """The protobuf JSON mapping of ``message`` as a dict (lowerCamelCase,
    enums by name, 64-bit integers as strings, defaults omitted)."""
    return json_format.MessageToDict(message)


def to_json(message: Message) -> bytes:
    return orjson.dumps(json_format.MessageToDict(message))


def text_frame(payload: bytes, *, opcode: int = 0x1) -> bytes:
    """A complete WebSocket frame from the server: final, text (or binary),
    unmasked, uncompressed (the gateway turns permessage-deflate off)."""
    first = 0x80 | opcode
    size = len(payload)
    if size < 126:
        header = bytes((first, size))
    elif size < 65536:
        header = struct.pack("!BBH", first, 126, size)
    else:
        header = struct.pack("!BBQ", first, 127, size)
    return header + payload


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One server frame, encoded once for every member it goes to: the JSON
    text (UTF-8) and the complete WebSocket frame around it."""

    payload: bytes
    wire: bytes
    #: A binary frame (speech), not JSON text.
    binary: bool = False

    @property
    def text(self) -> str:
        return self.payload.decode()


def encode_frame(frame: room_pb2.ServerFrame) -> Outgoing:
    if frame.HasField("event") and frame.event.HasField("reply_audio"):
        return encode_audio(frame)
    payload = orjson.dumps(json_format.MessageToDict(frame))
    return Outgoing(payload, text_frame(payload))


def encode_audio(frame: room_pb2.ServerFrame) -> Outgoing:
    """Speech travels as a binary frame: a 2-byte big-endian length, the
    ServerFrame's JSON without the audio (``replyAudio.pcm``), then the
    audio itself, PCM16LE mono (docs/protocol.md, "Voice")."""
    header = room_pb2.ServerFrame()
    header.CopyFrom(frame)
    pcm = header.event.reply_audio.pcm
    header.event.reply_audio.ClearField("pcm")
    head = orjson.dumps(json_format.MessageToDict(header))
    payload = struct.pack("!H", len(head)) + head + pcm
    return Outgoing(payload, text_frame(payload, opcode=0x2), binary=True)


def audio_frame(pcm: bytes, max_bytes: int) -> room_pb2.ClientFrame:
    """A binary frame from a client: audio of its open push-to-talk turn."""
    if len(pcm) > max_bytes:
        raise FrameError(room_pb2.ERROR_CODE_TOO_LARGE, f"Frame is larger than {max_bytes} bytes.")
    return room_pb2.ClientFrame(voice_audio=room_pb2.VoiceAudio(pcm=pcm))


def error_frame(
    code: ErrorCode,
    message: str,
    *,
    ref: str = "",
    retryable: bool = False,
    fatal: bool = False,
    retry_after_ms: int = 0,
) -> Outgoing:
    error = room_pb2.Error(
        code=code,
        message=message,
        ref=ref,
        retryable=retryable,
        fatal=fatal,
        retry_after_ms=retry_after_ms,
    )
    return encode_frame(room_pb2.ServerFrame(error=error))


def _too_large(text: str, max_bytes: int) -> bool:
    # A str of n code points takes between n and 4n bytes of UTF-8: encode
    # only when the length alone cannot decide.
    if len(text) > max_bytes:
        return True
    if len(text) * 4 <= max_bytes:
        return False
    return len(text.encode()) > max_bytes


def _ref_of(obj: Any) -> str:
    if isinstance(obj, dict):
        ref = obj.get("ref")
        if isinstance(ref, str):
            return ref
    return ""


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…"


def decode_client_frame(text: str, max_bytes: int) -> room_pb2.ClientFrame:
    """Parse one WebSocket text frame; raise FrameError with the code the
    protocol gives to each kind of bad input."""
    too_large = _too_large(text, max_bytes)
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        if too_large:
            raise FrameError(
                room_pb2.ERROR_CODE_TOO_LARGE, f"Frame is larger than {max_bytes} bytes."
            ) from None
        raise FrameError(room_pb2.ERROR_CODE_BAD_FRAME, "Frame is not valid JSON.") from None
    ref = _ref_of(obj)
    if too_large:
        raise FrameError(
            room_pb2.ERROR_CODE_TOO_LARGE, f"Frame is larger than {max_bytes} bytes.", ref
        )
    if not isinstance(obj, dict):
        raise FrameError(room_pb2.ERROR_CODE_BAD_FRAME, "Frame must be a JSON object.")
    # In the protobuf JSON mapping, null means "not set".
    obj = {key: value for key, value in obj.items() if value is not None}
    unknown = obj.keys() - _FIELDS
    if unknown:
        names = ", ".join(sorted(_clip(str(name)) for name in unknown)[:5])
        raise FrameError(room_pb2.ERROR_CODE_UNKNOWN_FRAME, _clip(f"Unknown frame: {names}."), ref)
    actions = obj.keys() & ACTIONS
    if not actions:
        raise FrameError(
            room_pb2.ERROR_CODE_UNKNOWN_FRAME,
            "Frame has no action: expected one of " + ", ".join(sorted(ACTIONS)) + ".",
            ref,
        )
    if len(actions) > 1:
        raise FrameError(room_pb2.ERROR_CODE_BAD_FRAME, "A frame carries exactly one action.", ref)
    if "ref" in obj and not isinstance(obj["ref"], str):
        raise FrameError(room_pb2.ERROR_CODE_BAD_FRAME, "Field ref must be a string.")
    frame = room_pb2.ClientFrame()
    try:
        json_format.ParseDict(obj, frame)
    except (json_format.ParseError, ValueError, TypeError, RecursionError) as exc:
        raise FrameError(
            room_pb2.ERROR_CODE_BAD_FRAME, _clip(f"Malformed frame: {exc}"), ref
        ) from None
    return frame
