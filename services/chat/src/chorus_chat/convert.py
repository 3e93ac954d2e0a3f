"""Between the wire (chorus.v1 protobuf messages) and the engine's own types."""

from __future__ import annotations

import json
from typing import Any

from chorus.v1 import chat_pb2

from chorus_chat.completion import (
    Chunk,
    CompletionRequest,
    Failure,
    Finish,
    FinishReason,
    Message,
    Role,
    Sampling,
    TextDelta,
    Tool,
    ToolCallDelta,
    Usage,
)
from chorus_chat.engine import ModelEntry
from chorus_chat.errors import ChatError, ErrorCode

_ROLES = {
    chat_pb2.CHAT_ROLE_SYSTEM: Role.SYSTEM,
    chat_pb2.CHAT_ROLE_USER: Role.USER,
    chat_pb2.CHAT_ROLE_ASSISTANT: Role.ASSISTANT,
    chat_pb2.CHAT_ROLE_TOOL: Role.TOOL,
}
_FINISH = {
    FinishReason.STOP: chat_pb2.FINISH_REASON_STOP,
    FinishReason.LENGTH: chat_pb2.FINISH_REASON_LENGTH,
    FinishReason.TOOL_CALLS: chat_pb2.FINISH_REASON_TOOL_CALLS,
}
_ERROR_CODES = {
    ErrorCode.UNKNOWN_MODEL: chat_pb2.CHAT_ERROR_CODE_UNKNOWN_MODEL,
    ErrorCode.INVALID_REQUEST: chat_pb2.CHAT_ERROR_CODE_INVALID_REQUEST,
    ErrorCode.TIMEOUT: chat_pb2.CHAT_ERROR_CODE_TIMEOUT,
    ErrorCode.PROVIDER_UNAVAILABLE: chat_pb2.CHAT_ERROR_CODE_PROVIDER_UNAVAILABLE,
    ErrorCode.RATE_LIMITED: chat_pb2.CHAT_ERROR_CODE_RATE_LIMITED,
    ErrorCode.CONTEXT_TOO_LONG: chat_pb2.CHAT_ERROR_CODE_CONTEXT_TOO_LONG,
    ErrorCode.PROVIDER_ERROR: chat_pb2.CHAT_ERROR_CODE_PROVIDER_ERROR,
    ErrorCode.OVERLOADED: chat_pb2.CHAT_ERROR_CODE_OVERLOADED,
}


def _invalid(message: str) -> ChatError:
    return ChatError(ErrorCode.INVALID_REQUEST, message, retryable=False)


def _sampling(settings: chat_pb2.GenerationSettings) -> Sampling:
    def optional(name: str) -> Any:
        return getattr(settings, name) if settings.HasField(name) else None

    max_tokens = optional("max_tokens")
    if max_tokens is not None and max_tokens < 1:
        raise _invalid("settings.max_tokens must be at least 1")
    temperature = optional("temperature")
    if temperature is not None and not 0.0 <= temperature <= 2.0:
        raise _invalid("settings.temperature must be between 0 and 2")
    top_p = optional("top_p")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise _invalid("settings.top_p must be in (0, 1]")
    return Sampling(
        temperature=temperature,
        top_p=top_p,
        max_tokens=max_tokens,
        presence_penalty=optional("presence_penalty"),
        frequency_penalty=optional("frequency_penalty"),
        stop=tuple(settings.stop),
        seed=optional("seed"),
    )


def _tool(tool: chat_pb2.ToolDefinition) -> Tool:
    if not tool.name:
        raise _invalid("every tool needs a name")
    try:
        parameters = json.loads(tool.parameters_json) if tool.parameters_json else {}
    except json.JSONDecodeError as exc:
        raise _invalid(f"tool {tool.name!r}: parameters_json is not JSON ({exc.msg})") from exc
    if not isinstance(parameters, dict):
        raise _invalid(f"tool {tool.name!r}: parameters_json must be a JSON object")
    parameters.setdefault("type", "object")
    return Tool(tool.name, tool.description, parameters)


def request_from_proto(request: chat_pb2.CompleteRequest) -> CompletionRequest:
    """Validate and convert; raises ChatError(INVALID_REQUEST)."""
    if not request.messages:
        raise _invalid("messages must not be empty")
    messages = []
    for index, message in enumerate(request.messages):
        role = _ROLES.get(message.role)
        if role is None:
            raise _invalid(f"messages[{index}] has no role")
        messages.append(Message(role, message.content, message.name, message.tool_call_id))
    tools = tuple(_tool(tool) for tool in request.tools)
    if request.force_tool and request.force_tool not in {tool.name for tool in tools}:
        raise _invalid(f"force_tool {request.force_tool!r} is not among the tools")
    return CompletionRequest(
        model=request.model,
        messages=tuple(messages),
        sampling=_sampling(request.settings),
        tools=tools,
        force_tool=request.force_tool,
        prefill=request.prefill,
        request_id=request.request_id,
        timeout_s=request.timeout_ms / 1000 if request.timeout_ms else None,
    )


def failure_to_proto(failure: Failure) -> chat_pb2.CompleteChunk:
    return chat_pb2.CompleteChunk(
        error=chat_pb2.ChatError(
            code=_ERROR_CODES[failure.code], message=failure.message, retryable=failure.retryable
        )
    )


def chunk_to_proto(chunk: Chunk) -> chat_pb2.CompleteChunk:
    match chunk:
        case TextDelta(text=text):
            return chat_pb2.CompleteChunk(text=text)
        case ToolCallDelta():
            return chat_pb2.CompleteChunk(
                tool_call=chat_pb2.ToolCallDelta(
                    index=chunk.index,
                    id=chunk.id,
                    name=chunk.name,
                    arguments_delta=chunk.arguments_delta,
                )
            )
        case Usage():
            return chat_pb2.CompleteChunk(
                usage=chat_pb2.Usage(
                    prompt_tokens=chunk.prompt_tokens,
                    completion_tokens=chunk.completion_tokens,
                    time_to_first_token_ms=chunk.time_to_first_token_ms,
                    prompt_tokens_cached=chunk.prompt_tokens_cached,
                )
            )
        case Finish(reason=reason):
            return chat_pb2.CompleteChunk(finish=_FINISH[reason])
        case Failure():
            return failure_to_proto(chunk)


def _defaults_to_proto(sampling: Sampling) -> chat_pb2.GenerationSettings:
    settings = chat_pb2.GenerationSettings(stop=list(sampling.stop))
    if sampling.temperature is not None:
        settings.temperature = sampling.temperature
    if sampling.top_p is not None:
        settings.top_p = sampling.top_p
    if sampling.max_tokens is not None:
        settings.max_tokens = sampling.max_tokens
    if sampling.presence_penalty is not None:
        settings.presence_penalty = sampling.presence_penalty
    if sampling.frequency_penalty is not None:
        settings.frequency_penalty = sampling.frequency_penalty
    if sampling.seed is not None:
        settings.seed = sampling.seed
    return settings


def models_to_proto(entries: list[ModelEntry], default_model: str) -> chat_pb2.ListModelsResponse:
    return chat_pb2.ListModelsResponse(
        models=[
            chat_pb2.ModelInfo(
                id=entry.spec.id,
                display_name=entry.spec.label,
                provider=entry.spec.provider,
                context_size=entry.spec.context_size,
                defaults=_defaults_to_proto(entry.spec.defaults.to_sampling()),
                available=entry.availability.available,
                unavailable_reason=entry.availability.reason,
                supports_prefill=entry.prefill,
            )
            for entry in entries
        ],
        default_model=default_model,
    )
