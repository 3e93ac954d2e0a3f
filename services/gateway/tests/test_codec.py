"""Frame encoding and client frame validation, directly."""

from __future__ import annotations

import json
import struct

import orjson
import pytest
from chorus.v1 import room_pb2
from chorus_gateway.codec import (
    FrameError,
    audio_frame,
    decode_client_frame,
    encode_frame,
    error_frame,
    text_frame,
)

LIMIT = 1024


def _decode_error(text: str, limit: int = LIMIT) -> FrameError:
    with pytest.raises(FrameError) as info:
        decode_client_frame(text, limit)
    return info.value


def test_decodes_each_action() -> None:
    frame = decode_client_frame(
        '{"ref": "r1", "join": {"inviteToken": "i", "displayName": "Ann", "afterSeq": "41"}}',
        LIMIT,
    )
    assert frame.ref == "r1"
    assert frame.join.invite_token == "i"
    assert frame.join.HasField("after_seq") and frame.join.after_seq == 41
    send = decode_client_frame('{"send": {"clientMsgId": "c", "text": "hi"}}', LIMIT)
    assert send.WhichOneof("action") == "send" and send.send.text == "hi"
    assert decode_client_frame('{"interrupt": {}}', LIMIT).HasField("interrupt")
    assert decode_client_frame('{"typing": {}}', LIMIT).HasField("typing")
    assert decode_client_frame('{"ping": {}}', LIMIT).HasField("ping")
    # The proto field names are accepted too (json_format does).
    assert decode_client_frame('{"send": {"client_msg_id": "c"}}', LIMIT).send.client_msg_id


@pytest.mark.parametrize(
    ("text", "code", "ref"),
    [
        ("nope", room_pb2.ERROR_CODE_BAD_FRAME, ""),
        ("null", room_pb2.ERROR_CODE_BAD_FRAME, ""),
        ('["ping"]', room_pb2.ERROR_CODE_BAD_FRAME, ""),
        ('{"ref": "x"}', room_pb2.ERROR_CODE_UNKNOWN_FRAME, "x"),
        ('{"ref": "x", "dance": {}}', room_pb2.ERROR_CODE_UNKNOWN_FRAME, "x"),
        ('{"ref": "x", "send": {"text": []}}', room_pb2.ERROR_CODE_BAD_FRAME, "x"),
        ('{"ref": "x", "join": {"afterSeq": "soon"}}', room_pb2.ERROR_CODE_BAD_FRAME, "x"),
        ('{"ref": "x", "send": {}, "ping": {}}', room_pb2.ERROR_CODE_BAD_FRAME, "x"),
        ('{"ref": ["x"], "ping": {}}', room_pb2.ERROR_CODE_BAD_FRAME, ""),
        ('{"ping": {"extra": 1}}', room_pb2.ERROR_CODE_BAD_FRAME, ""),
        ("[" * 5000 + "]" * 5000, room_pb2.ERROR_CODE_TOO_LARGE, ""),
        ('{"ping": ' * 300 + "{}" + "}" * 300, room_pb2.ERROR_CODE_BAD_FRAME, ""),
    ],
)
def test_bad_frames_get_their_code(text: str, code: int, ref: str) -> None:
    error = _decode_error(text, limit=16384 if text.startswith('{"ping": {"ping') else LIMIT)
    assert error.code == code
    assert error.ref == ref
    assert 0 < len(error.message) <= 200


def test_too_large_counts_utf8_bytes_and_echoes_ref() -> None:
    fits = '{"ref": "r", "send": {"text": "' + "a" * 900 + '"}}'
    assert decode_client_frame(fits, LIMIT).send.text == "a" * 900
    multibyte = '{"ref": "r", "send": {"text": "' + "é" * 500 + '"}}'  # 500 chars, 1000 bytes
    assert len(multibyte) < LIMIT
    error = _decode_error(multibyte)
    assert error.code == room_pb2.ERROR_CODE_TOO_LARGE
    assert error.ref == "r"


def test_unknown_keys_are_named_but_clipped() -> None:
    error = _decode_error('{"' + "k" * 500 + '": 1}', limit=4096)
    assert error.code == room_pb2.ERROR_CODE_UNKNOWN_FRAME
    assert len(error.message) <= 200


def test_encode_frame_uses_the_protobuf_json_mapping() -> None:
    frame = room_pb2.ServerFrame(
        event=room_pb2.RoomEvent(
            room_id="r",
            seq=9007199254740993,
            message=room_pb2.Message(
                id="m", author_kind=room_pb2.PARTICIPANT_KIND_HUMAN, text="héllo"
            ),
        )
    )
    encoded = encode_frame(frame)
    assert encoded.text == encoded.payload.decode()
    assert encoded.wire == bytes((0x81, len(encoded.payload))) + encoded.payload
    decoded = orjson.loads(encoded.payload)
    assert decoded == {
        "event": {
            "roomId": "r",
            "seq": "9007199254740993",
            "message": {"id": "m", "authorKind": "PARTICIPANT_KIND_HUMAN", "text": "héllo"},
        }
    }


def test_error_frame() -> None:
    decoded = orjson.loads(
        error_frame(
            room_pb2.ERROR_CODE_UNAVAILABLE, "down", ref="q", retryable=True, fatal=True
        ).payload
    )
    assert decoded == {
        "error": {
            "code": "ERROR_CODE_UNAVAILABLE",
            "message": "down",
            "ref": "q",
            "retryable": True,
            "fatal": True,
        }
    }


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 70000])
def test_text_frame_header_lengths(size: int) -> None:
    payload = b"a" * size
    frame = text_frame(payload)
    assert frame[0] == 0x81  # FIN + text
    assert frame[1] & 0x80 == 0  # server frames are not masked
    if size < 126:
        assert frame[1] == size and frame[2:] == payload
    elif size < 65536:
        assert frame[1] == 126 and int.from_bytes(frame[2:4], "big") == size
        assert frame[4:] == payload
    else:
        assert frame[1] == 127 and int.from_bytes(frame[2:10], "big") == size
        assert frame[10:] == payload


def test_null_means_unset() -> None:
    frame = decode_client_frame('{"join": null, "ping": {}, "ref": null}', 1024)
    assert frame.WhichOneof("action") == "ping" and frame.ref == ""


def test_speech_travels_as_one_binary_frame() -> None:
    pcm = bytes(range(256)) * 4
    audio = room_pb2.ReplyAudio(
        reply_id="m1", persona_id="p1", index=3, sample_rate_hz=22050, pcm=pcm
    )
    frame = room_pb2.ServerFrame(event=room_pb2.RoomEvent(room_id="r1", reply_audio=audio))
    out = encode_frame(frame)
    assert out.binary and out.wire[0] == 0x82  # final, binary
    (length,) = struct.unpack("!H", out.payload[:2])
    header = json.loads(out.payload[2 : 2 + length])
    assert header == {
        "event": {
            "roomId": "r1",
            "replyAudio": {"replyId": "m1", "personaId": "p1", "index": 3, "sampleRateHz": 22050},
        }
    }
    assert out.payload[2 + length :] == pcm
    assert frame.event.reply_audio.pcm == pcm  # the frame itself is left whole


def test_a_client_binary_frame_is_audio_of_its_turn() -> None:
    assert audio_frame(b"\x01\x02", 16).voice_audio.pcm == b"\x01\x02"
    with pytest.raises(FrameError) as caught:
        audio_frame(b"\x00" * 17, 16)
    assert caught.value.code == room_pb2.ERROR_CODE_TOO_LARGE
