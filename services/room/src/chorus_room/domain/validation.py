"""Input limits and checks for names, descriptions, personas and messages."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from chorus.v1 import room_pb2

from chorus_room.domain import names
from chorus_room.domain.mentions import EVERYONE
from chorus_room.errors import RoomError, invalid

MAX_ROOM_NAME = 100
MAX_DESCRIPTION = 2000
MAX_NAME = 40
MAX_TITLE = 80
MAX_SYSTEM_PROMPT = 8000
MAX_PERSONAS = 16
MAX_PARTICIPANTS = 200


def clean_room_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise invalid("A room needs a name.")
    if len(name) > MAX_ROOM_NAME:
        raise invalid(f"A room name has at most {MAX_ROOM_NAME} characters.")
    return name


def clean_description(description: str) -> str:
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise invalid(f"A room description has at most {MAX_DESCRIPTION} characters.")
    return description


def clean_display_name(name: str, taken: Iterable[str]) -> str:
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if not name:
        raise invalid("A name is needed.")
    if len(name) > MAX_NAME:
        raise invalid(f"A name has at most {MAX_NAME} characters.")
    if "@" in name:
        raise invalid("A name may not contain '@'.")
    if reason := names.problem(name):
        raise invalid(reason)
    if name.casefold() in EVERYONE:
        raise invalid(f"'{name}' is reserved for mentioning everyone.")
    looks = names.skeleton(name)
    clash = next((t for t in taken if names.skeleton(t) == looks), None)
    if clash is not None:
        raise invalid(f"Someone in this room is already called '{clash}'.")
    return name


def clean_persona(spec: room_pb2.PersonaSpec, taken: Iterable[str]) -> room_pb2.PersonaSpec:
    cleaned = room_pb2.PersonaSpec()
    cleaned.CopyFrom(spec)
    cleaned.name = clean_display_name(spec.name, taken)
    cleaned.title = " ".join(spec.title.split())
    if len(cleaned.title) > MAX_TITLE:
        raise invalid(f"A persona title has at most {MAX_TITLE} characters.")
    cleaned.system_prompt = spec.system_prompt.strip()
    if len(cleaned.system_prompt) > MAX_SYSTEM_PROMPT:
        raise invalid(f"A system prompt has at most {MAX_SYSTEM_PROMPT} characters.")
    g = cleaned.generation
    if g.HasField("temperature") and not 0 <= g.temperature <= 2:
        raise invalid("temperature must be between 0 and 2.")
    if g.HasField("top_p") and not 0 < g.top_p <= 1:
        raise invalid("top_p must be in (0, 1].")
    if g.HasField("max_tokens") and not 1 <= g.max_tokens <= 4096:
        raise invalid("max_tokens must be between 1 and 4096.")
    return cleaned


def clean_message_text(text: str, max_chars: int) -> str:
    text = text.strip()
    if not text:
        raise invalid("A message needs some text.")
    if len(text) > max_chars:
        raise RoomError(
            room_pb2.ERROR_CODE_TOO_LARGE,
            f"A message has at most {max_chars} characters (this one has {len(text)}).",
        )
    return text
