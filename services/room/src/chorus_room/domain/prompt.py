"""Builds what a persona's model sees, laid out for prefix caching.

Every persona of a room sees the same prefix: a system message about the
room and its characters, then the transcript ("Name: text" lines, oldest
first). Only what follows differs from persona to persona. A model server
that keeps the state of the previous prompt (llama.cpp does; OpenAI-compatible
APIs cache prefixes too) then evaluates only what is new since the last reply
in the room, not the whole room again: the transcript only ever grows at its
end, and the window it shows moves in large steps (`domain/window.py`).

Two layouts:

- **Continuation** (`continuation`), for models that accept a prefill: the
  model writes the chat itself, and the prompt is the transcript ending in
  "Name:". The next speaker's prompt is the same text with the reply and one
  more "Name:", so a turn evaluates only the lines that are new.
- **Instruction** (`build_messages`), for the rest: system, then one user
  message holding the transcript and a few lines on who speaks now. Every
  chat template accepts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chorus.v1 import chat_pb2, room_pb2

from chorus_room.domain.reply_filter import DECLINE_MARKER

PERSONA = room_pb2.PARTICIPANT_KIND_PERSONA
TRANSCRIPT_HEADING = "The conversation so far:"


@dataclass(frozen=True, slots=True)
class RoomContext:
    name: str
    description: str
    participants: Sequence[room_pb2.Participant]


def estimate_tokens(text: str) -> int:
    """A cheap, model-independent estimate (about 3.5 characters a token)."""
    return len(text) * 2 // 7 + 4


def transcript_line(message: room_pb2.Message) -> str:
    return f"{message.author_name}: {message.text}"


def room_header(room: RoomContext) -> str:
    """The system message: the same for every persona of the room, and
    unchanged while the room's name, description and personas are."""
    personas = [p for p in room.participants if p.kind == PERSONA]
    lines = [f'This is "{room.name}", a group chat where people and AI characters talk.']
    if room.description.strip():
        lines.append(f"About this room: {room.description.strip()}")
    if personas:
        lines.append("")
        lines.append("The AI characters here, each played in turn:")
        for persona in personas:
            who = f"{persona.name} ({persona.title})" if persona.title else persona.name
            prompt = " ".join(persona.persona.system_prompt.split())
            lines.append(f"- {who}: {prompt}" if prompt else f"- {who}")
    lines.append("")
    lines.append(
        'The conversation is written as lines of "Name: message". Each character writes only '
        "their own messages, in their own voice: never a line for anyone else, never their "
        "own name in front. Messages are short and conversational, like in a chat. To ask "
        "someone in the room something, a character writes @Name."
    )
    return "\n".join(lines)


def speaker_instruction(persona: room_pb2.Participant, *, may_decline: bool) -> str:
    """The persona-specific end of the prompt: who speaks now."""
    who = f"{persona.name}, {persona.title}" if persona.title else persona.name
    line = (
        f"You are {who}. Write {persona.name}'s next message: only the message itself, "
        f"in {persona.name}'s own voice, without a name in front."
    )
    if may_decline:
        line += f" If {persona.name} has nothing to add, write just {DECLINE_MARKER}"
    return line


#: The one user message of the continuation layout: the same for every persona.
CONTINUATION_REQUEST = (
    "Write this group chat one message at a time. Each message is its speaker's alone, in "
    "their own voice and character; it answers what was just asked of them, as briefly as "
    "they were asked to."
)


def continuation(
    persona: room_pb2.Participant,
    room: RoomContext,
    transcript: Sequence[room_pb2.Message],
) -> tuple[list[chat_pb2.ChatMessage], str]:
    """Messages and the prefill (the transcript, then "Name:") for a model to
    write ``persona``'s next line."""
    messages = [
        chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_SYSTEM, content=room_header(room)),
        chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_USER, content=CONTINUATION_REQUEST),
    ]
    lines = "".join(transcript_line(m) + "\n" for m in transcript)
    return messages, f"{lines}{persona.name}:"


def build_messages(
    persona: room_pb2.Participant,
    room: RoomContext,
    transcript: Sequence[room_pb2.Message],
    *,
    may_decline: bool = True,
) -> list[chat_pb2.ChatMessage]:
    """``transcript`` is oldest first (see `domain/window.py` for which messages)."""
    lines = "\n".join(transcript_line(m) for m in transcript)
    return [
        chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_SYSTEM, content=room_header(room)),
        chat_pb2.ChatMessage(
            role=chat_pb2.CHAT_ROLE_USER,
            content=f"{TRANSCRIPT_HEADING}\n{lines}\n\n---\n"
            + speaker_instruction(persona, may_decline=may_decline),
        ),
    ]


#: OpenAI-compatible APIs accept at most four stop sequences.
MAX_STOPS = 4
#: A local model that writes the chat itself gets one for everyone named.
MAX_CONTINUATION_STOPS = 16


def turn_stops(
    persona: room_pb2.Participant,
    history: Sequence[room_pb2.Message],
    own: Sequence[str] = (),
    *,
    participants: Sequence[room_pb2.Participant] = (),
    limit: int = MAX_STOPS,
) -> list[str]:
    """Stop sequences that end a reply when the model starts writing the next
    chat turn ("\nBob:"), a habit of small models given "Name: text" history.
    The persona's own stops come first; then its own name, the most recent
    other speakers, then the room's other participants, up to ``limit``."""
    stops = list(own)[:limit]
    names = [persona.name] + [m.author_name for m in reversed(history) if m.author_name]
    names += [p.name for p in participants]
    for name in names:
        stop = f"\n{name}:"
        if len(stops) >= limit:
            break
        if stop not in stops:
            stops.append(stop)
    return stops
