"""Room service settings: one validated class, read from CHORUS_ROOM_* variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class RoomSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHORUS_ROOM_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=50051, ge=0, le=65535)
    #: Where rooms and their history live: ``sqlite`` (embedded, one
    #: instance) or ``dynamodb`` (shared by several instances).
    store: Literal["sqlite", "dynamodb"] = "sqlite"
    #: How room events reach every instance: ``local`` (in-process, one
    #: instance) or ``redis`` (pub/sub, several instances).
    bus: Literal["local", "redis"] = "local"
    #: SQLite file of the embedded store (created if missing).
    database: str = "var/chorus.db"
    #: Redis of the ``redis`` bus (redis:// or rediss:// for TLS).
    redis_url: str = "redis://127.0.0.1:6379/0"
    #: DynamoDB table of the ``dynamodb`` store (one table; see docs/scale-out.md).
    dynamodb_table: str = Field(default="chorus", min_length=3, max_length=255)
    dynamodb_region: str = "us-east-1"
    #: Endpoint other than AWS's, e.g. DynamoDB Local (http://127.0.0.1:8000).
    dynamodb_endpoint: str | None = None
    #: Credentials; unset: the AWS default chain (environment, profile, role).
    dynamodb_access_key_id: str | None = None
    dynamodb_secret_access_key: SecretStr | None = None
    #: Create the table at start if it is missing (development only).
    dynamodb_create_table: bool = False
    #: Tries of one DynamoDB call that is throttled or fails transiently.
    dynamodb_retry_attempts: int = Field(default=6, ge=1)
    #: Address of the chat service (host:port).
    chat_target: str = "127.0.0.1:50052"
    #: Address of the voice service (host:port); empty: no voice in rooms.
    voice_target: str = "127.0.0.1:50053"
    #: Persona presets and room templates (TOML); unset: the bundled registry.
    presets_path: Path | None = None

    #: Longest message a person may send, in characters.
    max_message_chars: int = Field(default=4000, ge=1)
    #: Most events replayed after a Welcome; older ones come from LoadHistory.
    backlog_cap: int = Field(default=500, ge=1)
    #: Events replayed to a fresh join that gives no after_seq.
    join_page: int = Field(default=50, ge=0)
    #: History page size when the caller asks for none, and the largest allowed.
    history_page_default: int = Field(default=50, ge=1)
    history_page_max: int = Field(default=200, ge=1)
    #: Responses waiting for one gateway stream; a stream that falls this far
    #: behind is dropped (its gateway reconnects and resumes by seq).
    session_queue: int = Field(default=4096, ge=16)
    #: Messages waiting for one bus subscriber before it is marked lagging.
    bus_queue: int = Field(default=4096, ge=16)

    #: A persona's mention of another persona triggers it up to this depth.
    persona_chain_depth: int = Field(default=2, ge=0)
    #: Replies that personas may trigger in one room per budget window.
    persona_chain_budget: int = Field(default=8, ge=0)
    persona_chain_window_s: float = Field(default=300.0, gt=0)
    #: With the ``redis`` bus: a member of an instance that stops refreshing
    #: (a crash) is offline after this long; its streaming replies likewise
    #: stop being listed to joiners.
    presence_ttl_s: float = Field(default=15.0, ge=1.0)
    active_reply_ttl_s: float = Field(default=15.0, ge=1.0)
    #: Most often a streaming reply's text so far is written to Redis.
    active_reply_flush_s: float = Field(default=0.15, gt=0)
    #: Replies streaming at once in one room.
    max_active_replies: int = Field(default=8, ge=1)
    #: Tokens of recent history given to a persona as context (estimated).
    context_token_budget: int = Field(default=1500, ge=64)
    #: Give up on a model that stops sending for this long (after its first
    #: chunk; before it, a request may wait in the model's queue).
    model_idle_timeout_s: float = Field(default=60.0, gt=0)
    #: Longest a whole reply may take.
    reply_timeout_s: float = Field(default=300.0, gt=0)

    #: Longest push-to-talk turn, in seconds of audio.
    voice_max_turn_s: float = Field(default=60.0, gt=0)
    #: Largest audio frame (bytes of PCM16; 8192 = 256 ms at 16 kHz).
    voice_max_frame_bytes: int = Field(default=16384, ge=320)
    #: Audio frames waiting for the voice service, per turn.
    voice_queue_frames: int = Field(default=256, ge=8)
    #: After release, the longest wait for the final transcript.
    voice_tail_timeout_s: float = Field(default=15.0, gt=0)

    #: Seconds given to open streams and replies on SIGTERM.
    shutdown_grace_s: float = Field(default=5.0, ge=0)
    #: Seconds between checks that the store answers (grpc.health.v1 says
    #: NOT_SERVING while it does not).
    health_check_interval_s: float = Field(default=5.0, gt=0)
    #: Prometheus /metrics of ``python -m chorus_room`` (an HTTP listener; 0
    #: picks a free port).
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9151, ge=0, le=65535)
