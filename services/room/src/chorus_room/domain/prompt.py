"""Builds the messages a persona's model sees: its system prompt, the room,
and as much recent history as fits a token budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chorus.v1 import chat_pb2, room_pb2

from chorus_room.domain.reply_filter import DECLINE_MARKER

PERSONA = room_pb2.PARTICIPANT_KIND_PERSONA


@dataclass(frozen=True, slots=True)
class RoomContext:
    name: str
    description: str
    participants: Sequence[room_pb2.Participant]


def estimate_tokens(text: str) -> int:
    """A cheap, model-independent estimate (about 3.5 characters a token)."""
    return len(text) * 2 // 7 + 4


def system_prompt(persona: room_pb2.Participant, room: RoomContext) -> str:
    others = [
        f"{p.name} ({p.title or ('AI persona' if p.kind == PERSONA else 'person')})"
        for p in room.participants
        if p.id != persona.id
    ]
    who = f"{persona.name}, {persona.title}" if persona.title else persona.name
    lines = [persona.persona.system_prompt.strip()] if persona.persona.system_prompt.strip() else []
    lines.append(f'You are {who}, taking part in a group chat room called "{room.name}".')
    if room.description.strip():
        lines.append(f"About this room: {room.description.strip()}")
    if others:
        lines.append("Also in the room: " + ", ".join(others) + ".")
    lines.append(
        'Messages from others appear as "Name: text". Answer as yourself only, in your own '
        f"voice, without writing your name in front. Keep replies short and conversational. "
        f"Mention someone with @Name only if you want them to answer. If you have nothing "
        f"useful to add, reply with exactly {DECLINE_MARKER}"
    )
    return "\n".join(lines)


def build_messages(
    persona: room_pb2.Participant,
    room: RoomContext,
    history: Sequence[room_pb2.Message],
    budget_tokens: int,
) -> list[chat_pb2.ChatMessage]:
    """``history`` is oldest first and ends with the message being answered,
    which is always included; older messages fill the budget newest first."""
    system = chat_pb2.ChatMessage(
        role=chat_pb2.CHAT_ROLE_SYSTEM, content=system_prompt(persona, room)
    )
    remaining = budget_tokens - estimate_tokens(system.content)
    picked: list[chat_pb2.ChatMessage] = []
    for index, message in enumerate(reversed(history)):
        turn = _turn(persona, message)
        cost = estimate_tokens(turn.content)
        if index > 0 and cost > remaining:
            break
        remaining -= cost
        picked.append(turn)
    picked.reverse()
    return [system, *_merge_consecutive(picked)]


#: OpenAI-compatible APIs accept at most four stop sequences.
MAX_STOPS = 4


def turn_stops(
    persona: room_pb2.Participant, history: Sequence[room_pb2.Message], own: Sequence[str] = ()
) -> list[str]:
    """Stop sequences that end a reply when the model starts writing the next
    chat turn ("\nBob:"), a habit of small models given "Name: text" history.
    The persona's own stops come first; then its own name and the most
    recent other speakers."""
    stops = list(own)[:MAX_STOPS]
    names = [persona.name] + [m.author_name for m in reversed(history) if m.author_name]
    for name in names:
        stop = f"\n{name}:"
        if len(stops) >= MAX_STOPS:
            break
        if stop not in stops:
            stops.append(stop)
    return stops


def _turn(persona: room_pb2.Participant, message: room_pb2.Message) -> chat_pb2.ChatMessage:
    if message.author_id == persona.id:
        return chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_ASSISTANT, content=message.text)
    return chat_pb2.ChatMessage(
        role=chat_pb2.CHAT_ROLE_USER, content=f"{message.author_name}: {message.text}"
    )


def _merge_consecutive(turns: list[chat_pb2.ChatMessage]) -> list[chat_pb2.ChatMessage]:
    """Chat templates expect alternating roles: join runs of one role."""
    merged: list[chat_pb2.ChatMessage] = []
    for turn in turns:
        if merged and merged[-1].role == turn.role:
            merged[-1].content += "\n" + turn.content
        else:
            merged.append(chat_pb2.ChatMessage(role=turn.role, content=turn.content))
    return merged
