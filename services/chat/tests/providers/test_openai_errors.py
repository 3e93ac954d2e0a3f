"""Translation of openai SDK errors: real ones from a real server where it can
produce them, constructed ones for what it cannot (429, 503)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import openai
import pytest
import pytest_asyncio
from chorus_chat.errors import ErrorCode
from chorus_chat.providers.openai.errors import translate_openai_error

from ..conftest import SERVER_CONTEXT, SERVER_KEY
from ..llama_server import LlamaServer


@pytest_asyncio.fixture(loop_scope="module")
async def client(server: LlamaServer) -> AsyncIterator[openai.AsyncOpenAI]:
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key=SERVER_KEY, max_retries=0)
    yield client
    await client.close()


async def _raised(client: openai.AsyncOpenAI, text: str) -> openai.OpenAIError:
    with pytest.raises(openai.OpenAIError) as info:
        await client.chat.completions.create(
            model="smollm", messages=[{"role": "user", "content": text}], max_tokens=4
        )
    return info.value


@pytest.mark.llama
@pytest.mark.asyncio(loop_scope="module")
async def test_a_real_context_length_error(client: openai.AsyncOpenAI) -> None:
    exc = await _raised(client, "word " * (SERVER_CONTEXT + 50))

    error = translate_openai_error(exc, "m")

    assert error.code is ErrorCode.CONTEXT_TOO_LONG
    assert not error.retryable
    assert "512" in error.message


@pytest.mark.llama
@pytest.mark.asyncio(loop_scope="module")
async def test_a_real_authentication_error_hides_the_key(server: LlamaServer) -> None:
    key = "sk-leaky-secret-key"
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key=key, max_retries=0) as bad:
        exc = await _raised(bad, "hi")

    error = translate_openai_error(exc, "m", secret=key)

    assert error.code is ErrorCode.PROVIDER_ERROR
    assert not error.retryable
    assert "leaky" not in error.message


def _status_error(
    cls: type[openai.APIStatusError], status: int, message: str
) -> openai.APIStatusError:
    request = httpx2.Request("POST", "https://example.invalid/v1/chat/completions")
    return cls(message, response=httpx2.Response(status, request=request), body=None)


@pytest.mark.parametrize(
    ("cls", "status", "code", "retryable"),
    [
        (openai.RateLimitError, 429, ErrorCode.RATE_LIMITED, True),
        (openai.InternalServerError, 503, ErrorCode.PROVIDER_UNAVAILABLE, True),
        (openai.BadRequestError, 400, ErrorCode.INVALID_REQUEST, False),
        (openai.NotFoundError, 404, ErrorCode.PROVIDER_ERROR, False),
        (openai.ConflictError, 409, ErrorCode.PROVIDER_ERROR, True),
    ],
)
def test_status_codes(
    cls: type[openai.APIStatusError], status: int, code: ErrorCode, retryable: bool
) -> None:
    error = translate_openai_error(_status_error(cls, status, "nope"), "m")

    assert (error.code, error.retryable) == (code, retryable)


def test_the_secret_is_scrubbed_from_other_messages() -> None:
    exc = _status_error(openai.BadRequestError, 400, "bad key sk-123 in field")

    error = translate_openai_error(exc, "m", secret="sk-123")

    assert "sk-123" not in error.message
    assert "[redacted]" in error.message
