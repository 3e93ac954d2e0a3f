"""A WebSocket member of a room, speaking the documented JSON protocol."""

from __future__ import annotations

import asyncio
import json
import struct
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

Frame = dict[str, Any]


async def create_room(
    http: str, *personas: dict[str, Any], name: str = "E2E room", description: str = ""
) -> Frame:
    async with httpx.AsyncClient(base_url=http, timeout=30) as client:
        response = await client.post(
            "/api/rooms",
            json={"name": name, "description": description, "personas": list(personas)},
        )
        assert response.status_code == 201, response.text
        created: Frame = response.json()
        return created


class Member:
    def __init__(self, ws_base: str, room_id: str) -> None:
        self.url = f"{ws_base}/ws/rooms/{room_id}"
        self.ws: ClientConnection | None = None
        self.frames: list[Frame] = []
        self.welcome: Frame = {}
        self.last_seq = 0

    async def connect(self) -> None:
        self.ws = await connect(self.url, max_size=2**22)

    async def join(
        self, invite: str, name: str, *, token: str = "", after_seq: int | None = None
    ) -> Frame:
        await self.connect()
        join: Frame = {"inviteToken": invite, "displayName": name}
        if token:
            join["participantToken"] = token
        if after_seq is not None:
            join["afterSeq"] = str(after_seq)
        await self.send_frame({"join": join})
        frame = await self.next(lambda f: "welcome" in f or "error" in f)
        assert "welcome" in frame, frame
        self.welcome = frame["welcome"]
        return self.welcome

    async def send_frame(self, frame: Frame) -> None:
        assert self.ws is not None
        await self.ws.send(json.dumps(frame))

    async def send_audio(self, pcm: bytes) -> None:
        """Push-to-talk audio of the open turn: a binary frame."""
        assert self.ws is not None
        await self.ws.send(pcm)

    async def say(self, text: str, *, client_msg_id: str = "", ref: str = "") -> str:
        client_msg_id = client_msg_id or uuid.uuid4().hex
        await self.send_frame(
            {"ref": ref or client_msg_id, "send": {"clientMsgId": client_msg_id, "text": text}}
        )
        return client_msg_id

    async def next(self, predicate: Callable[[Frame], bool], within: float = 60.0) -> Frame:
        assert self.ws is not None
        async with asyncio.timeout(within):
            while True:
                frame = decode(await self.ws.recv())
                self.frames.append(frame)
                seq = int(frame.get("event", {}).get("seq", 0))
                if seq:
                    assert seq > self.last_seq, (
                        f"seq {seq} after {self.last_seq}: duplicate or out of order"
                    )
                    self.last_seq = seq
                if predicate(frame):
                    return frame

    async def events_until(
        self, predicate: Callable[[Frame], bool], within: float = 60.0
    ) -> list[Frame]:
        start = len(self.frames)
        await self.next(lambda f: "event" in f and predicate(f["event"]), within)
        return [f["event"] for f in self.frames[start:] if "event" in f]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None


def decode(data: str | bytes) -> Frame:
    """A server frame: JSON text, or a binary speech frame (docs/protocol.md,
    "Voice"), whose audio is put back into ``replyAudio.pcm`` as bytes."""
    if isinstance(data, str):
        frame: Frame = json.loads(data)
        return frame
    (length,) = struct.unpack("!H", data[:2])
    frame = json.loads(data[2 : 2 + length])
    frame["event"]["replyAudio"]["pcm"] = bytes(data[2 + length :])
    return frame


def kind(event: Frame) -> str:
    return next(k for k in event if k not in ("roomId", "seq", "atMs"))
