"""docs/protocol.md is a client's only guide: its examples must be real frames."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from chorus.v1 import room_pb2
from google.protobuf import json_format

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
BLOCK = re.compile(r"```json (client|server)\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(DOC.read_text())]


def test_the_doc_has_a_complete_exchange() -> None:
    kinds: set[str] = set()
    for _, body in examples():
        frame = json.loads(body)
        kinds |= set(frame) | set(frame.get("event", {}))
    assert {
        "join",
        "welcome",
        "send",
        "ack",
        "replyDelta",
        "message",
        "interrupt",
        "replyEnded",
        "error",
    } <= kinds


@pytest.mark.parametrize(("side", "body"), examples())
def test_each_example_is_a_valid_frame(side: str, body: str) -> None:
    message = room_pb2.ClientFrame() if side == "client" else room_pb2.ServerFrame()
    json_format.Parse(body, message)  # raises on any unknown or mistyped field
    assert message.WhichOneof("action" if side == "client" else "kind")
