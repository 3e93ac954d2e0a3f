from __future__ import annotations

from chorus.v1 import chat_pb2, room_pb2
from chorus_room.domain.prompt import (
    CONTINUATION_REQUEST,
    TRANSCRIPT_HEADING,
    RoomContext,
    build_messages,
    continuation,
    turn_stops,
)

ADA = room_pb2.Participant(
    id="p1",
    kind=room_pb2.PARTICIPANT_KIND_PERSONA,
    name="Ada",
    title="Mathematician",
    persona=room_pb2.PersonaSpec(system_prompt="You love\nnumbers."),
)
REX = room_pb2.Participant(
    id="p2",
    kind=room_pb2.PARTICIPANT_KIND_PERSONA,
    name="Rex",
    persona=room_pb2.PersonaSpec(system_prompt="You build bridges."),
)
BOB = room_pb2.Participant(id="h1", kind=room_pb2.PARTICIPANT_KIND_HUMAN, name="Bob")
ROOM = RoomContext(name="Lab", description="We plan the launch.", participants=[ADA, REX, BOB])


def msg(author: room_pb2.Participant, text: str) -> room_pb2.Message:
    return room_pb2.Message(id=text, author_id=author.id, author_name=author.name, text=text)


def test_system_message_describes_the_room_and_every_persona() -> None:
    system = build_messages(ADA, ROOM, [msg(BOB, "hi")])[0]
    assert system.role == chat_pb2.CHAT_ROLE_SYSTEM
    for part in (
        '"Lab"',
        "We plan the launch.",
        "- Ada (Mathematician): You love numbers.",
        "- Rex: You build bridges.",
    ):
        assert part in system.content
    assert "Bob" not in system.content  # people come and go; the header stays put


def test_transcript_then_the_speaker() -> None:
    history = [msg(BOB, "hi"), msg(ADA, "hello"), msg(BOB, "how are you")]
    messages = build_messages(ADA, ROOM, history)
    assert [m.role for m in messages] == [chat_pb2.CHAT_ROLE_SYSTEM, chat_pb2.CHAT_ROLE_USER]
    body = messages[1].content
    assert body.startswith(f"{TRANSCRIPT_HEADING}\nBob: hi\nAda: hello\nBob: how are you\n\n---\n")
    assert "You are Ada, Mathematician." in body and "[pass]" in body
    assert "[pass]" not in messages[0].content  # small models pass too readily when offered
    assert "[pass]" not in build_messages(ADA, ROOM, history, may_decline=False)[1].content


def test_personas_share_everything_but_the_last_lines() -> None:
    """What makes a model server's prefix cache work across personas."""
    history = [msg(BOB, "hi all"), msg(ADA, "hello")]
    ada = build_messages(ADA, ROOM, history)
    rex = build_messages(REX, ROOM, [*history, msg(REX, "hey")])
    assert ada[0] == rex[0]
    shared = f"{TRANSCRIPT_HEADING}\nBob: hi all\nAda: hello"
    assert ada[1].content.startswith(shared) and rex[1].content.startswith(shared + "\nRex: hey")


def test_turn_stops_end_a_reply_at_the_next_speaker() -> None:
    history = [msg(BOB, "a"), msg(ADA, "b"), msg(BOB, "c")]
    assert turn_stops(ADA, history) == ["\nAda:", "\nBob:"]
    carol = room_pb2.Participant(id="h2", name="Carol")
    dave = room_pb2.Participant(id="h3", name="Dave")
    many = [msg(carol, "x"), msg(dave, "y"), msg(BOB, "z")]
    assert turn_stops(ADA, many, own=["END"]) == ["END", "\nAda:", "\nBob:", "\nDave:"]


def test_continuation_is_the_transcript_ending_in_the_speakers_name() -> None:
    history = [msg(BOB, "hi all"), msg(ADA, "hello")]
    messages, prefill = continuation(REX, ROOM, history)
    assert [m.role for m in messages] == [chat_pb2.CHAT_ROLE_SYSTEM, chat_pb2.CHAT_ROLE_USER]
    assert messages[1].content == CONTINUATION_REQUEST
    assert prefill == "Bob: hi all\nAda: hello\nRex:"


def test_in_continuation_the_next_turn_extends_the_last_prompt() -> None:
    """Rex's prompt is Ada's, then her reply, then "Rex:": nothing else changes."""
    history = [msg(BOB, "@all hi")]
    ada_messages, ada_prefill = continuation(ADA, ROOM, history)
    rex_messages, rex_prefill = continuation(REX, ROOM, [*history, msg(ADA, "hello")])
    assert ada_messages == rex_messages
    assert rex_prefill == ada_prefill + " hello\nRex:"


def test_a_model_that_writes_the_chat_stops_at_anyone_in_the_room() -> None:
    history = [msg(BOB, "a")]
    stops = turn_stops(ADA, history, participants=[ADA, REX, BOB], limit=16)
    assert stops == ["\nAda:", "\nBob:", "\nRex:"]
