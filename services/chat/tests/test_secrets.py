"""API keys never reach a log line, even at DEBUG with every library's
logging on: a real OpenAI-compatible server (llama-cpp-python's, with an API
key), reached through the chat service over gRPC, with the right key and
with a wrong one."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import grpc
import pytest
from chorus.v1 import chat_pb2, chat_pb2_grpc
from chorus_chat.config import ChatSettings
from chorus_chat.registry import parse_registry
from chorus_chat.server import ChatServer
from chorus_common.testing import capture_logs

from .conftest import SERVER_KEY
from .llama_server import LlamaServer

pytestmark = [pytest.mark.llama]

WRONG_KEY = "sk-wrong-but-still-secret-0042"


@pytest.mark.asyncio
async def test_api_keys_appear_in_no_log_line(
    server: LlamaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUS_TEST_GOOD_KEY", SERVER_KEY)
    monkeypatch.setenv("CHORUS_TEST_WRONG_KEY", WRONG_KEY)
    registry = parse_registry(
        f"""
default_model = "remote"

[[models]]
id = "remote"
provider = "openai"
base_url = "{server.base_url}"
model = "smollm"
api_key_env = "CHORUS_TEST_GOOD_KEY"

[[models]]
id = "remote-wrong-key"
provider = "openai"
base_url = "{server.base_url}"
model = "smollm"
api_key_env = "CHORUS_TEST_WRONG_KEY"
"""
    )
    chat = ChatServer(
        ChatSettings(host="127.0.0.1", port=0, models_dir=Path("/nonexistent")), registry=registry
    )
    with capture_logs("chat", logging.DEBUG) as logs:
        port = await chat.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub: Any = chat_pb2_grpc.ChatServiceStub(channel)
                for model in ("remote", "remote-wrong-key"):
                    request = chat_pb2.CompleteRequest(
                        model=model,
                        request_id=f"secret-test-{model}",
                        messages=[
                            chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_USER, content="Hi.")
                        ],
                        settings=chat_pb2.GenerationSettings(max_tokens=4),
                    )
                    chunks = [chunk async for chunk in stub.Complete(request)]
                    assert chunks[-1].WhichOneof("chunk") in ("finish", "error")
                    if model == "remote-wrong-key":
                        assert chunks[-1].WhichOneof("chunk") == "error"
        finally:
            await chat.stop(grace=0)
    assert len(logs.lines()) > 5  # DEBUG lines from the SDK and HTTP client were captured
    assert logs.matching("request secret-test-remote on remote")
    assert SERVER_KEY not in logs.text
    assert WRONG_KEY not in logs.text
