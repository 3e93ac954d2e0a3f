"""Gateway settings: one validated class, read from CHORUS_GATEWAY_* variables."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _random_gateway_id() -> str:
    return f"gw-{secrets.token_hex(4)}"


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHORUS_GATEWAY_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    #: Address of the room service (host:port).
    room_target: str = "127.0.0.1:50051"
    #: Address of the chat service (host:port), for /api/models.
    chat_target: str = "127.0.0.1:50052"
    #: The built web app (web/dist); served at / when the folder exists.
    web_dist: Path = Path("web/dist")
    #: This gateway instance's name in the room service's logs.
    gateway_id: str = Field(default_factory=_random_gateway_id, min_length=1, max_length=64)

    #: Largest client WebSocket frame accepted, in bytes (UTF-8); larger ones
    #: get ERROR_CODE_TOO_LARGE and are dropped.
    max_frame_bytes: int = Field(default=16384, ge=256)
    #: Frames waiting for one slow WebSocket before it is cut off (close 4008).
    outbound_queue_frames: int = Field(default=512, ge=1)
    #: Seconds a WebSocket may take nothing while frames wait for it before it
    #: is cut off as a slow consumer (0: only the queue length counts).
    slow_consumer_s: float = Field(default=5.0, ge=0)
    #: Requests waiting for one room's gRPC stream; senders wait when it is full.
    link_queue_frames: int = Field(default=1024, ge=1)
    #: Unsent bytes the kernel may hold per socket (TCP_NOTSENT_LOWAT; 0: the
    #: kernel's default, up to megabytes). Keeps a slow reader's backlog in
    #: the bounded outbound queue, where it is noticed and cut off.
    socket_notsent_lowat: int = Field(default=128 * 1024, ge=0)
    #: Messages (send frames) one connection may send per second, with a burst;
    #: 0 turns the limit off. More are refused with RATE_LIMITED (not stored).
    member_messages_per_s: float = Field(default=5.0, ge=0)
    member_messages_burst: float = Field(default=20.0, ge=1)
    #: Bytes of message text one connection may send per second, with a burst.
    member_text_bytes_per_s: float = Field(default=16_384.0, ge=0)
    member_text_bytes_burst: float = Field(default=65_536.0, ge=1)
    #: Rooms one client address may create per minute, with a burst.
    rooms_per_minute: float = Field(default=10.0, ge=0)
    rooms_burst: float = Field(default=20.0, ge=1)
    #: Seconds a new WebSocket has to send its `join`.
    join_timeout_s: float = Field(default=10.0, gt=0)
    #: Deadline of unary calls to the room and chat services.
    rpc_timeout_s: float = Field(default=10.0, gt=0)
    #: Seconds given to open connections on SIGTERM.
    shutdown_grace_s: float = Field(default=5.0, ge=0)
    #: Uvicorn's WebSocket implementation: "fanout" is websockets-sansio with
    #: the direct-write extension of chorus_gateway.fastws.
    ws_impl: Literal["fanout", "websockets-sansio"] = "fanout"
