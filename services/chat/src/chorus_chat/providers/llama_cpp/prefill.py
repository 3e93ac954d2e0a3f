"""A reply the caller has started: the prompt for the model to continue it.

The GGUF's own chat template renders the messages with one more assistant
message holding a marker; the prompt is everything before the marker, then
the caller's start of the reply. Templates differ in how they open a message,
close it or add a default system prompt; this way each one does it its own
way. The caller's text is tokenized as plain text, so a chat-template token
written in it stays text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from chorus_chat.errors import ChatError, ErrorCode

_MARKER = "\u2063chorus:prefill\u2063"


def prefill_prompt(
    llama: Any, model_id: str, messages: list[dict[str, Any]], prefill: str
) -> list[int]:
    """Tokens of the prompt that continues ``prefill`` after ``messages``."""
    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise ChatError(
            ErrorCode.INVALID_REQUEST, f"{model_id} has no chat template to continue a reply in"
        )
    model = llama._model  # the token texts llama-cpp-python itself uses
    eos, bos = model.token_eos(), model.token_bos()
    formatter = Jinja2ChatFormatter(
        template=template,
        eos_token=model.token_get_text(eos) if eos != -1 else "",
        bos_token=model.token_get_text(bos) if bos != -1 else "",
        add_generation_prompt=False,
    )
    with_marker: Any = [*messages, {"role": "assistant", "content": _MARKER}]
    rendered = formatter(messages=with_marker).prompt
    at = rendered.find(_MARKER)
    if at < 0:
        raise ChatError(
            ErrorCode.INVALID_REQUEST, f"{model_id}'s chat template cannot continue a reply"
        )
    head: list[int] = llama.tokenize(rendered[:at].encode(), add_bos=False, special=True)
    body: list[int] = llama.tokenize(prefill.encode(), add_bos=False, special=False)
    return head + body


def as_chat_chunks(stream: Iterator[Any]) -> Iterator[dict[str, Any]]:
    """Text-completion chunks in the shape of chat-completion ones."""
    try:
        for chunk in stream:
            choice = chunk["choices"][0]
            yield {
                "choices": [
                    {
                        "delta": {"content": choice.get("text") or ""},
                        "finish_reason": choice.get("finish_reason"),
                    }
                ]
            }
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
