"""Translate openai SDK exceptions into `ChatError`s, without leaking secrets."""

from __future__ import annotations

import openai

from chorus_chat.errors import ChatError, ErrorCode

_CONTEXT_MARKERS = ("context_length_exceeded", "context length", "context window", "too long")
_MAX_DETAIL = 300


def _detail(exc: openai.OpenAIError, secret: str | None) -> str:
    text = getattr(exc, "message", None) or str(exc)
    if secret:
        text = text.replace(secret, "[redacted]")
    return text if len(text) <= _MAX_DETAIL else text[:_MAX_DETAIL] + "…"


def _is_context_error(exc: openai.APIStatusError) -> bool:
    text = f"{exc.code or ''} {exc.message}".lower()
    return any(marker in text for marker in _CONTEXT_MARKERS)


def translate_openai_error(
    exc: openai.OpenAIError, model_id: str, *, secret: str | None = None
) -> ChatError:
    """Map an SDK exception to a ChatError. `secret` (the API key) is scrubbed."""
    where = f"{model_id}:"
    if isinstance(exc, openai.APITimeoutError):
        return ChatError(ErrorCode.TIMEOUT, f"{where} the provider did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return ChatError(ErrorCode.PROVIDER_UNAVAILABLE, f"{where} cannot reach the provider")
    if isinstance(exc, openai.RateLimitError):
        return ChatError(ErrorCode.RATE_LIMITED, f"{where} rate limited by the provider")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        # Vendors echo parts of the key in these messages: say nothing more.
        return ChatError(
            ErrorCode.PROVIDER_ERROR,
            f"{where} the provider refused the credentials (HTTP {exc.status_code})",
            retryable=False,
        )
    if isinstance(exc, openai.APIStatusError):
        detail = _detail(exc, secret)
        if _is_context_error(exc):
            return ChatError(ErrorCode.CONTEXT_TOO_LONG, f"{where} {detail}")
        if isinstance(exc, openai.NotFoundError):
            return ChatError(
                ErrorCode.PROVIDER_ERROR,
                f"{where} not found at the provider (HTTP 404): {detail}",
                retryable=False,
            )
        if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
            return ChatError(
                ErrorCode.INVALID_REQUEST, f"{where} rejected by the provider: {detail}"
            )
        if exc.status_code >= 500:
            return ChatError(
                ErrorCode.PROVIDER_UNAVAILABLE,
                f"{where} provider error (HTTP {exc.status_code}): {detail}",
            )
        return ChatError(
            ErrorCode.PROVIDER_ERROR,
            f"{where} provider error (HTTP {exc.status_code}): {detail}",
            retryable=exc.status_code in (408, 409),
        )
    return ChatError(ErrorCode.PROVIDER_ERROR, f"{where} {_detail(exc, secret)}", retryable=False)
