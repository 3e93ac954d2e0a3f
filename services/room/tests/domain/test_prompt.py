from __future__ import annotations

from chorus.v1 import chat_pb2, room_pb2
from chorus_room.domain.prompt import RoomContext, build_messages, estimate_tokens, turn_stops

ADA = room_pb2.Participant(
    id="p1",
    kind=room_pb2.PARTICIPANT_KIND_PERSONA,
    name="Ada",
    title="Mathematician",
    persona=room_pb2.PersonaSpec(system_prompt="You love numbers."),
)
BOB = room_pb2.Participant(id="h1", kind=room_pb2.PARTICIPANT_KIND_HUMAN, name="Bob")
ROOM = RoomContext(name="Lab", description="We plan the launch.", participants=[ADA, BOB])


def msg(author: room_pb2.Participant, text: str) -> room_pb2.Message:
    return room_pb2.Message(id=text, author_id=author.id, author_name=author.name, text=text)


def test_system_prompt_has_persona_room_description_and_rules() -> None:
    system = build_messages(ADA, ROOM, [msg(BOB, "hi")], 1000)[0]
    assert system.role == chat_pb2.CHAT_ROLE_SYSTEM
    for part in (
        "You love numbers.",
        "Ada, Mathematician",
        '"Lab"',
        "We plan the launch.",
        "Bob (person)",
        "[pass]",
    ):
        assert part in system.content


def test_history_roles_and_names() -> None:
    messages = build_messages(
        ADA, ROOM, [msg(BOB, "hi"), msg(ADA, "hello"), msg(BOB, "how are you")], 1000
    )
    assert [(m.role, m.content) for m in messages[1:]] == [
        (chat_pb2.CHAT_ROLE_USER, "Bob: hi"),
        (chat_pb2.CHAT_ROLE_ASSISTANT, "hello"),
        (chat_pb2.CHAT_ROLE_USER, "Bob: how are you"),
    ]


def test_consecutive_user_turns_merge() -> None:
    messages = build_messages(ADA, ROOM, [msg(BOB, "a"), msg(BOB, "b")], 1000)
    assert messages[1].content == "Bob: a\nBob: b" and len(messages) == 2


def test_budget_keeps_newest_and_always_the_trigger() -> None:
    history = [msg(BOB, f"message number {i} " + "x" * 100) for i in range(50)]
    system_cost = estimate_tokens(build_messages(ADA, ROOM, history[-1:], 10_000)[0].content)
    messages = build_messages(
        ADA, ROOM, history, system_cost + 3 * estimate_tokens("Bob: " + history[-1].text)
    )
    body = messages[1].content
    assert (
        "message number 49" in body
        and "message number 47" in body
        and "message number 46" not in body
    )
    tiny = build_messages(ADA, ROOM, history, 1)
    assert "message number 49" in tiny[1].content


def test_turn_stops_end_a_reply_at_the_next_speaker() -> None:
    history = [msg(BOB, "a"), msg(ADA, "b"), msg(BOB, "c")]
    assert turn_stops(ADA, history) == ["\nAda:", "\nBob:"]
    carol = room_pb2.Participant(id="h2", name="Carol")
    dave = room_pb2.Participant(id="h3", name="Dave")
    many = [msg(carol, "x"), msg(dave, "y"), msg(BOB, "z")]
    assert turn_stops(ADA, many, own=["END"]) == ["END", "\nAda:", "\nBob:", "\nDave:"]
