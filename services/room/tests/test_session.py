"""The RoomSession stream over real gRPC: joins, order, resume, replies, errors."""

from __future__ import annotations

import asyncio

import pytest
from chorus.v1 import chat_pb2, room_pb2
from chorus_room.domain.prompt import TRANSCRIPT_HEADING
from chorus_room.ports.completer import CompletionError

from .conftest import RoomHarness
from .fakes import Script


def transcript_of(request: chat_pb2.CompleteRequest) -> list[str]:
    """The "Name: text" lines a persona was shown."""
    body = request.messages[-1].content
    return body.split(TRANSCRIPT_HEADING + "\n", 1)[1].split("\n\n---\n", 1)[0].split("\n")


def is_message(event: room_pb2.RoomEvent) -> bool:
    return event.HasField("message")


def reply_ended(event: room_pb2.RoomEvent) -> bool:
    return event.HasField("reply_ended")


@pytest.mark.asyncio
async def test_join_gets_welcome_with_room_and_backlog(harness: RoomHarness) -> None:
    created = await harness.create_room("Ada")
    session = harness.session(created.room.id)
    welcome = await session.join("c1", created.invite_token, "Bob")
    assert welcome.you.name == "Bob" and welcome.you.kind == room_pb2.PARTICIPANT_KIND_HUMAN
    assert welcome.participant_token
    assert {p.name for p in welcome.room.participants} == {"Ada", "Bob"}
    assert welcome.online_participant_ids == [welcome.you.id]
    # Backlog: Ada's join (seq 1) and Bob's own join (seq 2).
    events = await session.events_until("c1", lambda e: e.seq == 2)
    assert [e.seq for e in events] == [1, 2]
    assert events[0].participant_joined.name == "Ada"
    await session.aclose()


@pytest.mark.asyncio
async def test_two_members_see_the_same_messages_in_the_same_order(harness: RoomHarness) -> None:
    created = await harness.create_room()
    room_id, invite = created.room.id, created.invite_token
    gw1, gw2 = harness.session(room_id), harness.session(room_id)
    await gw1.join("a", invite, "Alice", after_seq=0)
    await gw2.join("b", invite, "Bea", after_seq=0)

    async def chatter(gw: object, conn: str, who: str) -> None:
        assert hasattr(gw, "send")
        for i in range(20):
            await gw.send(conn, f"{who} {i}", client_msg_id=f"{who}-{i}")

    await asyncio.gather(chatter(gw1, "a", "alice"), chatter(gw2, "b", "bea"))
    seen1 = await gw1.events_until(
        "a", lambda e: is_message(e) and sum(1 for _ in [0]) > 0 and e.seq >= 42
    )
    seen2 = await gw2.events_until("b", lambda e: e.seq >= 42)
    durable1 = [(e.seq, e.message.text) for e in seen1 if e.seq and is_message(e)]
    durable2 = [(e.seq, e.message.text) for e in seen2 if e.seq and is_message(e)]
    assert len(durable1) == 40
    assert durable1 == durable2
    assert [s for s, _ in durable1] == sorted(s for s, _ in durable1)
    await gw1.aclose()
    await gw2.aclose()


@pytest.mark.asyncio
async def test_send_is_acknowledged_and_a_retry_is_stored_once(harness: RoomHarness) -> None:
    created = await harness.create_room()
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Alice")
    await gw.send("a", "hello", client_msg_id="c-1", ref="r1")
    ack = (await gw.next_for("a", lambda r: r.frame.HasField("ack"))).frame.ack
    assert (ack.ref, ack.client_msg_id, ack.duplicate) == ("r1", "c-1", False)
    await gw.send("a", "hello", client_msg_id="c-1", ref="r2")
    again = (await gw.next_for("a", lambda r: r.frame.HasField("ack"))).frame.ack
    assert again.duplicate and again.seq == ack.seq and again.message_id == ack.message_id
    history = await harness.stub.LoadHistory(
        room_pb2.LoadHistoryRequest(
            room_id=created.room.id,
            credentials=room_pb2.RoomCredentials(invite_token=created.invite_token),
        )
    )
    assert [e.message.text for e in history.events if is_message(e)] == ["hello"]
    await gw.aclose()


@pytest.mark.asyncio
async def test_resume_gets_exactly_the_missed_events(harness: RoomHarness) -> None:
    created = await harness.create_room()
    room_id, invite = created.room.id, created.invite_token
    gw = harness.session(room_id)
    welcome = await gw.join("a", invite, "Alice", after_seq=0)
    await gw.send("a", "one", client_msg_id="1")
    seen = await gw.events_until("a", lambda e: is_message(e) and e.message.text == "one")
    last_seen = max(e.seq for e in seen)
    await gw.aclose()  # Alice drops

    other = harness.session(room_id)
    await other.join("b", invite, "Bea")
    for text in ("two", "three"):
        await other.send("b", text, client_msg_id=text)
    await other.events_until("b", lambda e: is_message(e) and e.message.text == "three")

    back = harness.session(room_id)
    rewelcome = await back.join(
        "a2", invite, "", after_seq=last_seen, token=welcome.participant_token
    )
    assert rewelcome.you.id == welcome.you.id and rewelcome.replay_after_seq == last_seen
    missed = await back.events_until("a2", lambda e: is_message(e) and e.message.text == "three")
    assert [e.seq for e in missed] == list(range(last_seen + 1, last_seen + 1 + len(missed)))
    assert [e.message.text for e in missed if is_message(e)] == ["two", "three"]
    assert missed[0].participant_joined.name == "Bea"
    await other.aclose()
    await back.aclose()


@pytest.mark.asyncio
async def test_mention_streams_a_reply_and_stores_it_once(harness: RoomHarness) -> None:
    harness.completer.script = lambda _r: Script(tokens=["Ada", ": ", "Hi", " Bob", "!"])
    created = await harness.create_room("Ada", "Grace", description="A lab for testing.")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.join("b", created.invite_token, "Cy")
    await gw.send("a", "hello @ada", client_msg_id="x")
    events_a = await gw.events_until("a", reply_ended)
    kinds = [e.WhichOneof("kind") for e in events_a]
    assert (
        kinds.index("reply_started")
        < kinds.index("reply_delta")
        < kinds.index("message", kinds.index("reply_delta"))
    )
    deltas = "".join(e.reply_delta.text for e in events_a if e.HasField("reply_delta"))
    final = next(e for e in events_a if is_message(e) and e.message.author_name == "Ada")
    ended = events_a[-1].reply_ended
    assert deltas == "Hi Bob!" == final.message.text  # own name prefix removed
    assert final.message.id == ended.reply_id and ended.message_seq == final.seq
    assert ended.outcome == room_pb2.REPLY_OUTCOME_COMPLETED
    assert (
        final.message.reply_to_id and final.message.author_kind == room_pb2.PARTICIPANT_KIND_PERSONA
    )
    request = harness.completer.requests[-1]
    assert "A lab for testing." in request.messages[0].content
    assert transcript_of(request) == ["Bob: hello @ada"]
    assert list(request.settings.stop) == ["\nAda:", "\nBob:", "\nGrace:", "\nCy:"]
    assert len(harness.completer.requests) == 1  # Grace was not asked
    await gw.aclose()


@pytest.mark.asyncio
async def test_at_all_asks_every_persona(harness: RoomHarness) -> None:
    created = await harness.create_room("Ada", "Grace", "Linus")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@all status?")
    ended: set[str] = set()
    while len(ended) < 3:
        event = (await gw.events_until("a", reply_ended))[-1]
        ended.add(event.reply_ended.persona_id)
    assert len(harness.completer.requests) == 3
    await gw.aclose()


@pytest.mark.asyncio
async def test_interrupt_stops_the_model_and_keeps_what_was_said(harness: RoomHarness) -> None:
    harness.completer.script = lambda _r: Script(
        tokens=["Counting", " one", " two"], delay_s=0.05, hang=True
    )
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada count forever")
    started = (await gw.events_until("a", lambda e: e.HasField("reply_started")))[-1].reply_started
    await gw.events_until("a", lambda e: e.HasField("reply_delta") and "two" in e.reply_delta.text)
    await gw.frame(
        "a", room_pb2.ClientFrame(interrupt=room_pb2.Interrupt(reply_id=started.reply_id))
    )
    events = await gw.events_until("a", reply_ended, within=3)
    ended = events[-1].reply_ended
    assert ended.outcome == room_pb2.REPLY_OUTCOME_INTERRUPTED
    stored = [e.message for e in events if is_message(e)]
    assert stored[-1].status == room_pb2.MESSAGE_STATUS_INTERRUPTED
    assert stored[-1].text == "Counting one two"
    assert harness.completer.cancelled == 1
    # Interrupting it again: it is gone.
    await gw.frame(
        "a", room_pb2.ClientFrame(ref="i2", interrupt=room_pb2.Interrupt(reply_id=started.reply_id))
    )
    error = (await gw.next_for("a", lambda r: r.frame.HasField("error"))).frame.error
    assert error.code == room_pb2.ERROR_CODE_UNKNOWN_REPLY and error.ref == "i2" and not error.fatal
    await gw.aclose()


@pytest.mark.asyncio
async def test_model_failure_and_timeout_become_typed_reply_errors(harness: RoomHarness) -> None:
    scripts = iter(
        [
            Script(tokens=[], error=CompletionError("chat service: unavailable", retryable=True)),
            Script(
                tokens=[],
                error_chunk=chat_pb2.ChatError(
                    code=chat_pb2.CHAT_ERROR_CODE_TIMEOUT, message="slow"
                ),
            ),
        ]
    )
    harness.completer.script = lambda _r: next(scripts)
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada one")
    first = (await gw.events_until("a", reply_ended))[-1].reply_ended
    assert first.outcome == room_pb2.REPLY_OUTCOME_FAILED
    assert first.error.code == room_pb2.ERROR_CODE_MODEL_FAILED and first.error.retryable
    await gw.send("a", "@Ada two")
    second = (await gw.events_until("a", reply_ended))[-1].reply_ended
    assert second.error.code == room_pb2.ERROR_CODE_MODEL_TIMEOUT
    # The room keeps working.
    await gw.send("a", "still here", ref="ok")
    assert (await gw.next_for("a", lambda r: r.frame.HasField("ack"))).frame.ack.ref == "ok"
    await gw.aclose()


@pytest.mark.asyncio
async def test_idle_model_times_out(harness: RoomHarness) -> None:
    harness.server.settings.model_idle_timeout_s = 0.3
    harness.completer.script = lambda _r: Script(tokens=["thinking"], hang=True)
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada hi")
    events = await gw.events_until("a", reply_ended)
    ended = events[-1].reply_ended
    assert (
        ended.outcome == room_pb2.REPLY_OUTCOME_FAILED
        and ended.error.code == room_pb2.ERROR_CODE_MODEL_TIMEOUT
    )
    assert harness.completer.cancelled == 1
    await gw.aclose()


@pytest.mark.asyncio
async def test_decline_stores_nothing(harness: RoomHarness) -> None:
    harness.completer.script = lambda _r: Script(tokens=["[pa", "ss]"])
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada anything?")
    events = await gw.events_until("a", reply_ended)
    assert events[-1].reply_ended.outcome == room_pb2.REPLY_OUTCOME_DECLINED
    assert not any(e.HasField("reply_delta") for e in events)
    assert [e.message.author_name for e in events if is_message(e)] == ["Bob"]
    await gw.aclose()


@pytest.mark.asyncio
async def test_personas_mention_each_other_up_to_the_depth_limit(harness: RoomHarness) -> None:
    openings = iter(["Numbers first.", "Shapes matter more to me.", "Both, in the end."])

    def script(request: chat_pb2.CompleteRequest) -> Script:
        me = "Ada" if "You are Ada" in request.messages[-1].content else "Grace"
        other = "Grace" if me == "Ada" else "Ada"
        return Script(tokens=[f"{next(openings)} Over to you @{other}, what do you think?"])

    harness.completer.script = script
    created = await harness.create_room("Ada", "Grace")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada start")
    depths = []
    for _ in range(3):  # depth 0, 1, 2 (the default limit)
        events = await gw.events_until("a", reply_ended)
        depths += [e.reply_started.depth for e in events if e.HasField("reply_started")]
    assert depths == [0, 1, 2]
    await asyncio.sleep(0.3)
    assert len(harness.completer.requests) == 3
    await gw.aclose()


@pytest.mark.asyncio
async def test_reply_to_a_persona_message_asks_that_persona(harness: RoomHarness) -> None:
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada hi")
    events = await gw.events_until("a", reply_ended)
    ada_message = events[-1].reply_ended.reply_id
    await gw.send("a", "tell me more", reply_to=ada_message)
    again = await gw.events_until("a", reply_ended)
    assert again[-1].reply_ended.outcome == room_pb2.REPLY_OUTCOME_COMPLETED
    assert [m.message.reply_to_id for m in again if is_message(m)] == [
        ada_message,
        again[0].message.id,
    ]
    await gw.aclose()


@pytest.mark.asyncio
async def test_bad_input_gets_typed_errors_and_the_connection_keeps_working(
    harness: RoomHarness,
) -> None:
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)

    async def error_for(conn: str, frame: room_pb2.ClientFrame) -> room_pb2.Error:
        await gw.frame(conn, frame)
        return (await gw.next_for(conn, lambda r: r.frame.HasField("error"))).frame.error

    not_joined = await error_for(
        "x", room_pb2.ClientFrame(ref="1", send=room_pb2.SendMessage(text="hi"))
    )
    assert not_joined.code == room_pb2.ERROR_CODE_NOT_JOINED
    bad = await error_for(
        "x", room_pb2.ClientFrame(join=room_pb2.Join(invite_token="nope", display_name="Eve"))
    )
    assert bad.code == room_pb2.ERROR_CODE_BAD_INVITE and bad.fatal
    taken = await error_for(
        "x",
        room_pb2.ClientFrame(
            join=room_pb2.Join(invite_token=created.invite_token, display_name="ada")
        ),
    )
    assert taken.code == room_pb2.ERROR_CODE_INVALID_ARGUMENT
    await gw.join("a", created.invite_token, "Bob")
    twice = await error_for(
        "a",
        room_pb2.ClientFrame(
            join=room_pb2.Join(invite_token=created.invite_token, display_name="Bob2")
        ),
    )
    assert twice.code == room_pb2.ERROR_CODE_ALREADY_JOINED
    assert not twice.fatal
    big = await error_for(
        "a", room_pb2.ClientFrame(ref="big", send=room_pb2.SendMessage(text="x" * 5000))
    )
    assert big.code == room_pb2.ERROR_CODE_TOO_LARGE and big.ref == "big" and not big.fatal
    empty = await error_for("a", room_pb2.ClientFrame(send=room_pb2.SendMessage(text="   ")))
    assert empty.code == room_pb2.ERROR_CODE_INVALID_ARGUMENT
    unknown_reply_to = await error_for(
        "a", room_pb2.ClientFrame(send=room_pb2.SendMessage(text="x", reply_to_id="m-nope"))
    )
    assert unknown_reply_to.code == room_pb2.ERROR_CODE_INVALID_ARGUMENT
    nobody = await error_for(
        "a", room_pb2.ClientFrame(ref="n", send=room_pb2.SendMessage(text="hey @nobody"))
    )
    assert nobody.code == room_pb2.ERROR_CODE_UNKNOWN_MENTION and "@nobody" in nobody.message
    nothing = await error_for("a", room_pb2.ClientFrame(ref="e"))
    assert nothing.code == room_pb2.ERROR_CODE_UNKNOWN_FRAME
    await gw.frame("a", room_pb2.ClientFrame(ping=room_pb2.Ping()))
    assert (await gw.next_for("a", lambda r: r.frame.HasField("pong"))).conn_ids == ["a"]
    await gw.aclose()


@pytest.mark.asyncio
async def test_unknown_room_refuses_joins(harness: RoomHarness) -> None:
    gw = harness.session("rDoesNotExist")
    await gw.frame(
        "a", room_pb2.ClientFrame(join=room_pb2.Join(invite_token="x", display_name="Bob"))
    )
    response = await gw.next_for("a", lambda r: r.frame.HasField("error"))
    assert response.frame.error.code == room_pb2.ERROR_CODE_UNKNOWN_ROOM and response.close
    await gw.aclose()


@pytest.mark.asyncio
async def test_presence_and_welcome_show_active_replies(harness: RoomHarness) -> None:
    harness.completer.script = lambda _r: Script(tokens=["slow", " words"], delay_s=0.05, hang=True)
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    welcome = await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada talk")
    await gw.events_until(
        "a", lambda e: e.HasField("reply_delta") and "words" in e.reply_delta.text
    )
    # Shared (the scale backend), the text so far is written at most every
    # active_reply_flush_s.
    await asyncio.sleep(0.4)
    second = harness.session(created.room.id)
    late = await second.join("b", created.invite_token, "Cy")
    assert late.active_replies[0].text == "slow words"
    assert welcome.you.id in late.online_participant_ids
    online = await gw.events_until("a", lambda e: e.HasField("presence"))
    assert online[-1].presence.online and online[-1].presence.participant_id == late.you.id
    await second.aclose()
    offline = await gw.events_until("a", lambda e: e.HasField("presence"))
    assert not offline[-1].presence.online
    await gw.frame("a", room_pb2.ClientFrame(interrupt=room_pb2.Interrupt()))
    await gw.events_until("a", reply_ended)
    await gw.aclose()


@pytest.mark.asyncio
async def test_requests_batched_with_open_are_all_handled_in_order(harness: RoomHarness) -> None:
    created = await harness.create_room()
    gw = harness.session(created.room.id)
    gw._opened = True
    join = room_pb2.Join(invite_token=created.invite_token, display_name="Bob")
    await gw.write(
        room_pb2.SessionRequest(open=room_pb2.SessionOpen(room_id=created.room.id, gateway_id="t")),
        room_pb2.SessionRequest(
            frame=room_pb2.ConnectionFrame(conn_id="a", frame=room_pb2.ClientFrame(join=join))
        ),
        *(
            room_pb2.SessionRequest(
                frame=room_pb2.ConnectionFrame(
                    conn_id="a", frame=room_pb2.ClientFrame(send=room_pb2.SendMessage(text=f"m{i}"))
                )
            )
            for i in range(5)
        ),
    )
    events = await gw.events_until("a", lambda e: e.message.text == "m4")
    assert [e.message.text for e in events if e.HasField("message")] == [f"m{i}" for i in range(5)]
    await gw.aclose()


@pytest.mark.asyncio
async def test_a_stop_that_arrives_before_the_reply_starts_cancels_it(
    harness: RoomHarness,
) -> None:
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")

    def frame(f: room_pb2.ClientFrame) -> room_pb2.SessionRequest:
        return room_pb2.SessionRequest(frame=room_pb2.ConnectionFrame(conn_id="a", frame=f))

    # One batch: the reply is asked for, then stopped before it could start.
    await gw.write(
        frame(room_pb2.ClientFrame(send=room_pb2.SendMessage(text="@Ada hi"))),
        frame(room_pb2.ClientFrame(interrupt=room_pb2.Interrupt())),
    )
    await asyncio.sleep(0.2)
    await gw.frame("a", room_pb2.ClientFrame(ping=room_pb2.Ping()))
    await gw.next_for("a", lambda r: r.frame.HasField("pong"))
    assert not any(r.frame.event.HasField("reply_started") for r in gw.received)
    assert harness.completer.requests == []
    await gw.aclose()


@pytest.mark.asyncio
async def test_personas_asked_together_answer_in_turn_seeing_each_other(
    harness: RoomHarness,
) -> None:
    harness.completer.script = lambda r: Script(
        tokens=["I am " + ("Ada" if "You are Ada" in r.messages[-1].content else "Grace")]
    )
    created = await harness.create_room("Ada", "Grace")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@all introduce yourselves")
    first = await gw.events_until("a", reply_ended)
    second = await gw.events_until("a", reply_ended)
    # One at a time: the second starts after the first has ended.
    assert sum(e.HasField("reply_started") for e in first) == 1
    assert sum(e.HasField("reply_started") for e in second) == 1
    grace_request = harness.completer.requests[1]
    assert "You are Grace" in grace_request.messages[-1].content
    assert transcript_of(grace_request) == ["Bob: @all introduce yourselves", "Ada: I am Ada"]
    await gw.aclose()


@pytest.mark.asyncio
async def test_reply_ended_carries_its_timing(harness: RoomHarness) -> None:
    usage = chat_pb2.Usage(prompt_tokens=120, prompt_tokens_cached=100, completion_tokens=3)
    harness.completer.script = lambda _r: Script(delay_s=0.02, usage=usage)
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada hi")
    timing = (await gw.events_until("a", reply_ended))[-1].reply_ended.timing
    assert 0 < timing.received_at_ms <= timing.model_start_at_ms
    assert timing.model_start_at_ms < timing.first_token_at_ms <= timing.done_at_ms
    assert (timing.prompt_tokens, timing.prompt_tokens_cached, timing.completion_tokens) == (
        120,
        100,
        3,
    )
    await gw.aclose()


@pytest.mark.asyncio
async def test_a_model_that_accepts_a_prefill_writes_the_personas_line(
    harness: RoomHarness,
) -> None:
    harness.completer.prefill = True
    harness.completer.script = lambda _r: Script(tokens=[" Hello", " Bob"])
    created = await harness.create_room("Ada", "Grace")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@all hi")
    await gw.events_until("a", reply_ended)
    await gw.events_until("a", reply_ended)
    ada, grace = harness.completer.requests
    assert ada.prefill == "Bob: @all hi\nAda:"
    # Grace's prompt is Ada's, then Ada's reply: a model evaluates only that.
    assert grace.prefill == "Bob: @all hi\nAda: Hello Bob\nGrace:"
    assert ada.messages == grace.messages
    await gw.aclose()


@pytest.mark.asyncio
async def test_a_greeting_mention_starts_no_chain(harness: RoomHarness) -> None:
    harness.completer.script = lambda _r: Script(tokens=["@Grace, I agree with you."])
    created = await harness.create_room("Ada", "Grace")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada thoughts?")
    await gw.events_until("a", reply_ended)
    await asyncio.sleep(0.3)
    assert len(harness.completer.requests) == 1
    await gw.aclose()


@pytest.mark.asyncio
async def test_a_reply_written_as_someone_else_is_asked_for_again(harness: RoomHarness) -> None:
    attempts = iter([["Bob", ": I think so"], ["I", " think so"]])
    harness.completer.script = lambda _r: Script(tokens=next(attempts))
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada do you?")
    events = await gw.events_until("a", reply_ended)
    assert events[-1].reply_ended.outcome == room_pb2.REPLY_OUTCOME_COMPLETED
    deltas = "".join(e.reply_delta.text for e in events if e.HasField("reply_delta"))
    assert deltas == "I think so"  # nothing of the first attempt was shown
    first, second = harness.completer.requests
    assert second.settings.seed != first.settings.seed
    await gw.aclose()


@pytest.mark.asyncio
async def test_asked_by_name_a_persona_answers_asked_together_it_may_pass(
    harness: RoomHarness,
) -> None:
    harness.completer.script = lambda _r: Script(tokens=["[pass]"])
    created = await harness.create_room("Ada", "Grace")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada anything?")
    ended = (await gw.events_until("a", reply_ended))[-1].reply_ended
    assert ended.outcome == room_pb2.REPLY_OUTCOME_DECLINED
    assert len(harness.completer.requests) == 2  # asked again once
    await gw.send("a", "@all anything?")
    await gw.events_until("a", reply_ended)
    await gw.events_until("a", reply_ended)
    assert len(harness.completer.requests) == 4  # once each
    await gw.aclose()


@pytest.mark.asyncio
async def test_a_reply_that_repeats_the_last_one_is_dropped(harness: RoomHarness) -> None:
    harness.completer.script = lambda _r: Script(tokens=["Glass cracks under point loads."])
    created = await harness.create_room("Ada", "Grace")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@all glass bridge?")
    first = (await gw.events_until("a", reply_ended))[-1].reply_ended
    second = (await gw.events_until("a", reply_ended))[-1].reply_ended
    assert first.outcome == room_pb2.REPLY_OUTCOME_COMPLETED
    assert second.outcome == room_pb2.REPLY_OUTCOME_DECLINED
    assert second.reason == "repeated what was already said"
    assert second.message_seq == 0
    await gw.aclose()


@pytest.mark.asyncio
async def test_a_person_speaking_stops_personas_talking_among_themselves(
    harness: RoomHarness,
) -> None:
    def script(request: chat_pb2.CompleteRequest) -> Script:
        if "You are Grace" in request.messages[-1].content:  # asked by Ada: talks on and on
            return Script(tokens=["Well", " let", " me", " think"], delay_s=0.05, hang=True)
        return Script(
            tokens=["@Grace, how long would it take?"] if "start" in str(request) else ["Ok."]
        )

    harness.completer.script = script
    created = await harness.create_room("Ada", "Grace")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada start, and ask Grace")
    await gw.events_until("a", reply_ended)  # Ada's
    await gw.events_until("a", lambda e: e.HasField("reply_delta"))  # Grace talking
    await gw.send("a", "hold on, everyone")
    ended = (await gw.events_until("a", reply_ended))[-1].reply_ended
    assert ended.outcome == room_pb2.REPLY_OUTCOME_INTERRUPTED
    await gw.aclose()


@pytest.mark.asyncio
async def test_a_model_writing_the_chat_stops_at_the_next_speakers_line(
    harness: RoomHarness,
) -> None:
    harness.completer.prefill = True
    harness.completer.script = lambda _r: Script(
        tokens=[" The sea is dark.", "\nJen", ": what else?", " More"], hang=True
    )
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada the sea at night?")
    events = await gw.events_until("a", reply_ended)
    assert events[-1].reply_ended.outcome == room_pb2.REPLY_OUTCOME_COMPLETED
    stored = next(e for e in events if is_message(e) and e.message.author_name == "Ada")
    assert stored.message.text == "The sea is dark."
    assert harness.completer.cancelled == 1  # the model was stopped, not waited for
    await gw.aclose()


@pytest.mark.asyncio
async def test_members_are_never_told_a_providers_words_or_internal_addresses(
    harness: RoomHarness,
) -> None:
    scripts = iter(
        [
            Script(
                tokens=[],
                error_chunk=chat_pb2.ChatError(
                    code=chat_pb2.CHAT_ERROR_CODE_RATE_LIMITED,
                    message="key sk-abc123...xyz is over quota",
                    retryable=True,
                ),
            ),
            Script(
                tokens=[],
                error=CompletionError(
                    "chat service: unavailable: ipv4:127.0.0.1:50052: Connection refused"
                ),
            ),
        ]
    )
    harness.completer.script = lambda _r: next(scripts)
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada one")
    first = (await gw.events_until("a", reply_ended))[-1].reply_ended
    await gw.send("a", "@Ada two")
    second = (await gw.events_until("a", reply_ended))[-1].reply_ended
    assert first.error.message == (
        "Ada could not answer: the model's provider is limiting requests; try again shortly."
    )
    assert second.error.message == "Ada could not answer: the model failed."
    assert first.error.retryable
    await gw.aclose()


@pytest.mark.asyncio
async def test_a_stopping_room_service_ends_its_replies_as_interrupted(
    harness: RoomHarness,
) -> None:
    """SIGTERM (``RoomServer.stop``) mid-reply: no orphaned reply. What it
    said is stored as interrupted and its replyEnded reaches the members
    before their streams close."""
    harness.completer.script = lambda _r: Script(tokens=["Half", " a", " thought"], hang=True)
    created = await harness.create_room("Ada")
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    await gw.send("a", "@Ada think")
    await gw.events_until(
        "a", lambda e: e.HasField("reply_delta") and "thought" in e.reply_delta.text
    )
    stopping = asyncio.create_task(harness.server.stop(grace=1.0))
    events = await gw.events_until("a", reply_ended, within=5)
    await stopping
    ended = events[-1].reply_ended
    assert ended.outcome == room_pb2.REPLY_OUTCOME_INTERRUPTED and ended.message_seq > 0
    stored = [e.message for e in events if is_message(e)]
    assert [(m.text, m.status, m.id) for m in stored] == [
        ("Half a thought", room_pb2.MESSAGE_STATUS_INTERRUPTED, ended.reply_id)
    ]
    assert harness.completer.cancelled == 1
