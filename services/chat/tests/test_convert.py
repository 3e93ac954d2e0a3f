from __future__ import annotations

import pytest
from chorus.v1 import chat_pb2
from chorus_chat.completion import (
    Failure,
    Finish,
    FinishReason,
    Role,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from chorus_chat.convert import chunk_to_proto, request_from_proto
from chorus_chat.errors import ChatError, ErrorCode

USER = chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_USER, content="hi", name="bob")
TOOL = chat_pb2.ToolDefinition(
    name="look", description="Look", parameters_json='{"properties": {"q": {"type": "string"}}}'
)


def test_a_full_request_converts() -> None:
    request = chat_pb2.CompleteRequest(
        model="m",
        messages=[chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_SYSTEM, content="sys"), USER],
        settings=chat_pb2.GenerationSettings(temperature=0.0, max_tokens=9, stop=["\n"]),
        tools=[TOOL],
        force_tool="look",
        request_id="r1",
        timeout_ms=1500,
    )

    converted = request_from_proto(request)

    assert [m.role for m in converted.messages] == [Role.SYSTEM, Role.USER]
    assert converted.messages[1].name == "bob"
    # An explicit 0.0 is kept (set), unset fields stay None.
    assert converted.sampling.temperature == 0.0
    assert converted.sampling.top_p is None
    assert converted.sampling.max_tokens == 9
    assert converted.sampling.stop == ("\n",)
    assert converted.tools[0].parameters == {
        "type": "object",
        "properties": {"q": {"type": "string"}},
    }
    assert converted.timeout_s == 1.5
    assert converted.request_id == "r1"


def test_timeout_zero_means_the_default() -> None:
    assert request_from_proto(chat_pb2.CompleteRequest(messages=[USER])).timeout_s is None


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (chat_pb2.CompleteRequest(), "messages must not be empty"),
        (
            chat_pb2.CompleteRequest(messages=[chat_pb2.ChatMessage(content="x")]),
            "messages[0] has no role",
        ),
        (
            chat_pb2.CompleteRequest(
                messages=[USER], settings=chat_pb2.GenerationSettings(max_tokens=0)
            ),
            "max_tokens",
        ),
        (
            chat_pb2.CompleteRequest(
                messages=[USER], settings=chat_pb2.GenerationSettings(temperature=3)
            ),
            "temperature",
        ),
        (chat_pb2.CompleteRequest(messages=[USER], force_tool="look"), "force_tool"),
        (
            chat_pb2.CompleteRequest(
                messages=[USER], tools=[chat_pb2.ToolDefinition(name="t", parameters_json="{")]
            ),
            "not JSON",
        ),
        (
            chat_pb2.CompleteRequest(
                messages=[USER], tools=[chat_pb2.ToolDefinition(name="t", parameters_json="[]")]
            ),
            "JSON object",
        ),
    ],
)
def test_invalid_requests(request_: chat_pb2.CompleteRequest, message: str) -> None:
    with pytest.raises(ChatError) as info:
        request_from_proto(request_)

    assert info.value.code is ErrorCode.INVALID_REQUEST
    assert not info.value.retryable
    assert message in info.value.message


def test_chunks_convert() -> None:
    assert chunk_to_proto(TextDelta("a")).text == "a"
    tool = chunk_to_proto(ToolCallDelta(1, "id", "look", "{")).tool_call
    assert (tool.index, tool.id, tool.name, tool.arguments_delta) == (1, "id", "look", "{")
    usage = chunk_to_proto(Usage(3, 4, 50)).usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.time_to_first_token_ms) == (
        3,
        4,
        50,
    )
    assert chunk_to_proto(Finish(FinishReason.LENGTH)).finish == chat_pb2.FINISH_REASON_LENGTH
    error = chunk_to_proto(Failure(ErrorCode.OVERLOADED, "busy", True)).error
    assert (error.code, error.message, error.retryable) == (
        chat_pb2.CHAT_ERROR_CODE_OVERLOADED,
        "busy",
        True,
    )
