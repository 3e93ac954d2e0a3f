"""What a completion request is and what its stream carries, free of any wire format."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from chorus_chat.errors import ChatError, ErrorCode


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str
    name: str = ""
    tool_call_id: str = ""


@dataclass(frozen=True, slots=True)
class Sampling:
    """Generation settings; `None` (or an empty `stop`) means "not set"."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None

    def over(self, defaults: Sampling) -> Sampling:
        """These settings, with unset fields taken from `defaults`."""
        return replace(
            defaults,
            **{
                name: value
                for name in self.__dataclass_fields__
                if (value := getattr(self, name)) is not None and value != ()
            },
        )


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    # JSON Schema of the arguments.
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    model: str
    messages: tuple[Message, ...]
    sampling: Sampling = Sampling()
    tools: tuple[Tool, ...] = ()
    # Name of a tool the model must call; empty lets it answer in text.
    force_tool: str = ""
    # The start of the reply, written by the caller; the model continues it.
    prefill: str = ""
    request_id: str = ""
    # Give up when no chunk arrives for this long; None takes the service default.
    timeout_s: float | None = None


class FinishReason(StrEnum):
    STOP = "stop"
    LENGTH = "length"
    TOOL_CALLS = "tool_calls"


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    index: int
    id: str = ""
    name: str = ""
    arguments_delta: str = ""


@dataclass(frozen=True, slots=True)
class ProviderDone:
    """A provider's last chunk: why it stopped and what it counted."""

    reason: FinishReason
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # Of prompt_tokens, how many came from a prefix cache instead of being evaluated.
    prompt_tokens_cached: int = 0


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    time_to_first_token_ms: int
    prompt_tokens_cached: int = 0


@dataclass(frozen=True, slots=True)
class Finish:
    reason: FinishReason


@dataclass(frozen=True, slots=True)
class Failure:
    code: ErrorCode
    message: str
    retryable: bool

    @classmethod
    def of(cls, error: ChatError) -> Failure:
        return cls(error.code, error.message, error.retryable)


# What a provider yields: deltas, then exactly one ProviderDone (or it raises ChatError).
ProviderChunk = TextDelta | ToolCallDelta | ProviderDone
# What the engine yields: deltas, then Usage + Finish, or one Failure.
Chunk = TextDelta | ToolCallDelta | Usage | Finish | Failure


def chat_messages(request: CompletionRequest) -> list[dict[str, Any]]:
    """The messages in the OpenAI chat format, which llama.cpp speaks too."""
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        item: dict[str, Any] = {"role": message.role.value, "content": message.content}
        if message.name:
            item["name"] = message.name
        if message.tool_call_id:
            item["tool_call_id"] = message.tool_call_id
        messages.append(item)
    return messages


def chat_tools(request: CompletionRequest) -> list[dict[str, Any]]:
    """The request's tools in the OpenAI function-calling format."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.parameters,
            },
        }
        for tool in request.tools
    ]


def sampling_kwargs(request: CompletionRequest) -> dict[str, Any]:
    """The sampling settings that are set, under their OpenAI names."""
    sampling = request.sampling
    settings = {
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "max_tokens": sampling.max_tokens,
        "presence_penalty": sampling.presence_penalty,
        "frequency_penalty": sampling.frequency_penalty,
        "seed": sampling.seed,
        "stop": list(sampling.stop) or None,
    }
    return {name: value for name, value in settings.items() if value is not None}
