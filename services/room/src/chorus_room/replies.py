"""Persona replies: run the model, stream deltas to the room, store the final
message once, chain to mentioned personas within limits, stop on interrupt.

This instance runs the replies its own accepted messages trigger (exactly
once). Each reply is a task owned by the ReplyManager; interrupting cancels
only the model stream, so the reply can still store what was said.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import aclosing, asynccontextmanager, suppress
from dataclasses import dataclass, field

from chorus.v1 import chat_pb2, room_pb2
from chorus_common import context as log_context
from chorus_common.tasks import TaskSet, cancel_and_wait

from chorus_room import metrics
from chorus_room.config import RoomSettings
from chorus_room.domain.echo import repeats, trim_parroted_tail
from chorus_room.domain.mentions import parse_mentions
from chorus_room.domain.prompt import (
    MAX_CONTINUATION_STOPS,
    MAX_STOPS,
    RoomContext,
    build_messages,
    continuation,
    turn_stops,
)
from chorus_room.domain.reply_filter import ReplyFilter
from chorus_room.events import EventLog
from chorus_room.ids import new_id, now_ms
from chorus_room.live.interrupts import watching_interrupts
from chorus_room.live.local import LocalActiveReplies, LocalRoomBudget
from chorus_room.models import ModelCatalog
from chorus_room.ports.completer import (
    CHAT_FAILURES,
    Completer,
    CompletionError,
    FailureKind,
)
from chorus_room.ports.live import ActiveReplyRegistry, LiveStateError, RoomBudget
from chorus_room.ports.store import StoreError
from chorus_room.rooms import options_of
from chorus_room.speech import Speech
from chorus_room.transcripts import Transcripts

log = logging.getLogger("chorus.room.replies")
PERSONA = room_pb2.PARTICIPANT_KIND_PERSONA


#: Times a reply is asked for again when it went wrong before showing anything.
_RETRIES = 1
#: Recent messages a reply must not merely repeat.
_ECHO_WINDOW = 12
#: (room, person) pairs whose last answering persona is remembered.
_LAST_ANSWERED = 10_000
#: Longest a reply waits for its room's interrupt subscription.
_WATCH_READY_S = 5.0


@dataclass(frozen=True, slots=True)
class Prompt:
    """A reply's request, and what judging its answer needs."""

    request: chat_pb2.CompleteRequest
    #: Everyone else in the room.
    names: Sequence[str]
    #: The texts of the last messages it saw.
    recent: Sequence[str]
    asked_by_name: bool
    #: The model writes the persona's transcript line itself (continuation).
    writes_the_chat: bool = False


@dataclass(slots=True)
class _Watch:
    """A room's interrupt subscription, shared by its running reply groups."""

    users: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(slots=True)
class ActiveReply:
    id: str
    room_id: str
    persona: room_pb2.Participant
    trigger: room_pb2.Message
    trigger_seq: int
    depth: int
    text: str = ""
    finish: chat_pb2.FinishReason = chat_pb2.FINISH_REASON_UNSPECIFIED
    task: asyncio.Task[None] | None = None
    stream: asyncio.Task[None] | None = None
    stop_requested: bool = False
    #: Answering after the personas asked before it, seeing their replies.
    in_turn: bool = False
    streaming: bool = False
    #: In the room's list of replies streaming now (the live state).
    listed: bool = False
    timing: room_pb2.ReplyTiming = field(default_factory=room_pb2.ReplyTiming)

    def to_proto(self) -> room_pb2.ActiveReply:
        return room_pb2.ActiveReply(
            reply_id=self.id,
            persona_id=self.persona.id,
            in_reply_to_id=self.trigger.id,
            text=self.text,
        )


class ReplyManager:
    def __init__(
        self,
        log_: EventLog,
        completer: Completer,
        models: ModelCatalog,
        settings: RoomSettings,
        *,
        speech: Speech | None = None,
        budget: RoomBudget | None = None,
        active: ActiveReplyRegistry | None = None,
    ) -> None:
        self._log = log_
        self._store = log_.store
        self._completer = completer
        self._models = models
        self._settings = settings
        self._budget = budget or LocalRoomBudget(
            limit=settings.persona_chain_budget, window_s=settings.persona_chain_window_s
        )
        #: Replies streaming now, as every instance sees them.
        self._listed = active or LocalActiveReplies()
        #: One interrupt subscription per room with replies running here.
        self._watches: dict[str, _Watch] = {}
        self._watchers = TaskSet("reply-interrupts")
        self._live_calls = TaskSet("reply-live-state")
        self._transcripts = Transcripts(self._store, budget=settings.context_token_budget)
        self._active: dict[str, ActiveReply] = {}
        self._closed = False
        self._speech = speech
        self._last_answered: OrderedDict[tuple[str, str], str] = OrderedDict()

    # --------------------------------------------------------- interface

    def last_answered(self, room_id: str, participant_id: str) -> str | None:
        """The persona that last answered this person in this room (here)."""
        return self._last_answered.get((room_id, participant_id))

    def _answered(self, reply: ActiveReply) -> None:
        if reply.trigger.author_kind == PERSONA:
            return
        key = (reply.room_id, reply.trigger.author_id)
        self._last_answered[key] = reply.persona.id
        self._last_answered.move_to_end(key)
        while len(self._last_answered) > _LAST_ANSWERED:
            self._last_answered.popitem(last=False)

    def active(self, room_id: str) -> list[room_pb2.ActiveReply]:
        """The replies streaming in a room now (not those waiting their turn)."""
        return [r.to_proto() for r in self._active.values() if r.room_id == room_id and r.streaming]

    async def trigger(
        self,
        room_id: str,
        event: room_pb2.RoomEvent,
        personas: Sequence[room_pb2.Participant],
        depth: int = 0,
        *,
        in_turn: bool = False,
    ) -> list[str]:
        """Ask each persona to reply to the stored message ``event``: all at
        once, or ``in_turn`` (one after another, each seeing the replies
        before it, as people take turns). Returns the reply ids."""
        message = event.message
        if depth == 0 and message.author_kind != PERSONA:
            self._yield_to_people(room_id)
        replies: list[ActiveReply] = []
        for persona in personas:
            if self._closed or persona.kind != PERSONA or persona.id == message.author_id:
                continue
            in_room = sum(r.room_id == room_id for r in self._active.values()) + len(replies)
            if in_room >= self._settings.max_active_replies:
                log.warning("room %s: too many replies at once; %s skipped", room_id, persona.id)
                continue
            if depth > 0 and not await self._spend(room_id):
                log.info("room %s: persona chain budget spent", room_id)
                continue
            reply = ActiveReply(new_id("m"), room_id, persona, message, event.seq, depth)
            reply.in_turn = in_turn and len(personas) > 1
            reply.timing.received_at_ms = now_ms()
            replies.append(reply)
        if not replies:
            return []
        groups = [replies] if in_turn else [[r] for r in replies]
        for group in groups:
            task = asyncio.create_task(self._run_group(group), name=f"reply-{group[0].id}")
            for reply in group:
                reply.task = task
                self._active[reply.id] = reply
            task.add_done_callback(functools.partial(self._forget, [r.id for r in group]))
        return [r.id for r in replies]

    async def _live(self, call: Awaitable[bool], what: str) -> bool:
        """A live-state call, in a task of its own: redis-py (with Python
        3.11's ``wait_for``) can swallow a cancellation that hits it
        mid-command, and a reply's cancellation (an interrupt) must never be
        lost. False when the live state is unavailable."""

        async def guarded() -> bool:
            try:
                return await call
            except LiveStateError as exc:
                log.warning("%s: %s", what, exc)
                return False

        return await asyncio.shield(self._live_calls.start(guarded()))

    async def _spend(self, room_id: str) -> bool:
        # Unavailable: no chain rather than an endless one.
        return await self._live(
            self._budget.try_spend(room_id), f"room {room_id}: chain budget unavailable"
        )

    async def _run_group(self, replies: Sequence[ActiveReply]) -> None:
        async with self._watching(replies[0].room_id):
            for reply in replies:
                if not reply.stop_requested:  # a stop before its turn: it never starts
                    await self._run(reply)
                self._active.pop(reply.id, None)

    @asynccontextmanager
    async def _watching(self, room_id: str) -> AsyncIterator[None]:
        """While inside, an interrupt for the room sent on any instance
        reaches this one (one subscription per room, shared)."""
        watch = self._watches.get(room_id)
        if watch is None:
            watch = self._watches[room_id] = _Watch()
            self._watchers.start(self._watch(room_id, watch), name=f"interrupts-{room_id}")
        watch.users += 1
        try:
            with suppress(TimeoutError):  # a slow bus must not hold the reply
                async with asyncio.timeout(_WATCH_READY_S):
                    await watch.ready.wait()
            yield
        finally:
            watch.users -= 1
            if watch.users == 0:
                watch.done.set()
                if self._watches.get(room_id) is watch:
                    del self._watches[room_id]

    async def _watch(self, room_id: str, watch: _Watch) -> None:
        try:
            async with watching_interrupts(self._log.bus, room_id, self._interrupted):
                watch.ready.set()
                await watch.done.wait()
        finally:
            watch.ready.set()

    async def _interrupted(self, room_id: str, reply_id: str) -> None:
        """An interrupt from the bus (a member on any instance pressed stop):
        stop the reply here, and its speech (everyone is told)."""
        self.interrupt(room_id, reply_id)
        if self._speech is not None:
            stopped = self._speech.stop(room_id, [reply_id] if reply_id else [])
            if stopped:
                event = room_pb2.SpeechStopped(reply_ids=stopped)
                await self._log.ephemeral(room_id, room_pb2.RoomEvent(speech_stopped=event))

    async def _list(self, reply: ActiveReply) -> None:
        """Tell every instance the reply streams, with its text so far (the
        Redis adapter writes at most every ``active_reply_flush_s``)."""

        async def update() -> bool:
            await self._listed.update(reply.room_id, reply.to_proto())
            return True

        if await self._live(update(), f"room {reply.room_id} reply {reply.id}: not listed"):
            reply.listed = True

    async def _unlist(self, reply: ActiveReply) -> None:
        if not reply.listed:
            return
        reply.listed = False

        async def finish() -> bool:
            await self._listed.finish(reply.room_id, reply.id)
            return True

        # Failing, its entry expires at its deadline.
        await self._live(finish(), f"room {reply.room_id} reply {reply.id}: not unlisted")

    def _forget(self, reply_ids: Sequence[str], _task: asyncio.Task[None]) -> None:
        for reply_id in reply_ids:
            self._active.pop(reply_id, None)

    def _yield_to_people(self, room_id: str) -> None:
        """A person speaking wins over personas talking among themselves: the
        replies their mentions started stop (what was said is kept)."""
        for reply in list(self._active.values()):
            if reply.room_id == room_id and reply.depth > 0:
                self.interrupt(room_id, reply.id)

    def interrupt(self, room_id: str, reply_id: str = "") -> int:
        """Stop one reply (or all of a room's); returns how many were stopped."""
        stopped = 0
        for reply in list(self._active.values()):
            if reply.room_id == room_id and reply_id in ("", reply.id):
                reply.stop_requested = True  # in case the stream has not started yet
                stopped += 1 if reply.stream is None else reply.stream.cancel()
        return stopped

    async def aclose(self, grace_s: float = 0.0) -> None:
        """Stop every reply as a member's stop does: each stores what it said
        so far (INTERRUPTED) and sends its replyEnded, so none is left
        orphaned by a graceful stop. A reply not ended within ``grace_s``
        (say, a store that does not answer) is cancelled."""
        self._closed = True
        tasks = {r.task for r in self._active.values() if r.task}
        for reply in list(self._active.values()):
            self.interrupt(reply.room_id, reply.id)
        pending = tasks
        if tasks and grace_s > 0:
            _, pending = await asyncio.wait(tasks, timeout=grace_s)
        await cancel_and_wait(*pending)
        await self._watchers.aclose()
        await self._live_calls.aclose()

    # ------------------------------------------------------------- a reply

    async def _run(self, reply: ActiveReply) -> None:
        """One reply; a storage failure still ends it visibly."""
        log_context.bind(reply_id=reply.id)
        try:
            await self._reply(reply)
        except StoreError as exc:
            log.error("room %s reply %s: store error: %s", reply.room_id, reply.id, exc)
            error = room_pb2.Error(
                code=room_pb2.ERROR_CODE_UNAVAILABLE,
                message="Storage is unavailable; try again.",
                retryable=True,
            )
            ended = room_pb2.ReplyEnded(
                reply_id=reply.id,
                persona_id=reply.persona.id,
                outcome=room_pb2.REPLY_OUTCOME_FAILED,
                error=error,
            )
            await self._end(reply, ended)
        finally:
            await self._unlist(reply)  # however it ended (shutdown too)

    async def _reply(self, reply: ActiveReply) -> None:
        reply.streaming = True
        room_id, persona = reply.room_id, reply.persona
        await self._log.ephemeral(
            room_id,
            room_pb2.RoomEvent(
                reply_started=room_pb2.ReplyStarted(
                    reply_id=reply.id,
                    persona_id=persona.id,
                    in_reply_to_id=reply.trigger.id,
                    depth=reply.depth,
                )
            ),
        )
        await self._list(reply)
        if self._speech is not None:
            room = await self._store.get_room(room_id)
            speak_all = room is not None and options_of(room).speak_replies
            self._speech.reply_started(
                room_id, reply.id, persona, reply.trigger, speak_all=speak_all
            )
        ended = room_pb2.ReplyEnded(reply_id=reply.id, persona_id=persona.id)
        try:
            prompt = await self._prompt(reply)
            filt = await self._attempts(reply, prompt)
            reply.text = trim_parroted_tail(reply.text.strip(), reply.trigger.text)
            interrupted = False
        except asyncio.CancelledError:
            if (task := asyncio.current_task()) is not None and task.cancelling():
                raise  # shutdown, not an interrupt
            interrupted = True
        except CompletionError as exc:
            log.warning("room %s reply %s failed: %s", room_id, reply.id, exc.message)
            code = (
                room_pb2.ERROR_CODE_MODEL_TIMEOUT
                if exc.timeout
                else room_pb2.ERROR_CODE_MODEL_FAILED
            )
            ended.outcome = room_pb2.REPLY_OUTCOME_FAILED
            ended.error.CopyFrom(
                room_pb2.Error(
                    code=code,
                    # The detail (hosts, a provider's words) stays in the log.
                    message=f"{persona.name} could not answer: {exc.kind.value}.",
                    retryable=exc.retryable,
                )
            )
            if reply.text.strip():  # keep what was said before the failure
                await self._store_reply(reply, room_pb2.MESSAGE_STATUS_INTERRUPTED, ended)
            await self._end(reply, ended)
            return
        text = reply.text.strip()
        if interrupted:
            ended.outcome = room_pb2.REPLY_OUTCOME_INTERRUPTED
            if text:
                await self._store_reply(reply, room_pb2.MESSAGE_STATUS_INTERRUPTED, ended)
        elif filt.impersonated:
            ended.outcome = room_pb2.REPLY_OUTCOME_DECLINED
            ended.reason = f"wrote as {filt.impersonated} instead of answering"
        elif filt.declined or not text:
            ended.outcome = room_pb2.REPLY_OUTCOME_DECLINED
        elif repeats(text, prompt.recent):
            ended.outcome = room_pb2.REPLY_OUTCOME_DECLINED
            ended.reason = "repeated what was already said"
        else:
            ended.outcome = room_pb2.REPLY_OUTCOME_COMPLETED
            status = (
                room_pb2.MESSAGE_STATUS_TRUNCATED
                if reply.finish == chat_pb2.FINISH_REASON_LENGTH
                else room_pb2.MESSAGE_STATUS_COMPLETE
            )
            stored = await self._store_reply(reply, status, ended)
            self._answered(reply)
            await self._chain(reply, stored)
        await self._end(reply, ended)

    async def _attempts(self, reply: ActiveReply, prompt: Prompt) -> ReplyFilter:
        """Run the model; once more (another seed) if the reply went wrong
        before anything of it was shown: it started as someone else, or it
        declined though it was asked by name."""
        for attempt in range(1 + _RETRIES):
            filt = ReplyFilter(
                reply.persona.name,
                others=prompt.names,
                asker=reply.trigger.author_name,
                cut_new_speakers=prompt.writes_the_chat,
            )
            request = prompt.request
            if attempt:
                request = chat_pb2.CompleteRequest()
                request.CopyFrom(prompt.request)
                request.settings.seed = (prompt.request.settings.seed or 0) + 7919 * attempt
            reply.stream = asyncio.create_task(self._stream(reply, request, filt))
            if reply.stop_requested:
                reply.stream.cancel()
            await reply.stream
            reply.text += filt.flush()
            went_wrong = filt.impersonated or (filt.declined and prompt.asked_by_name)
            if not went_wrong or reply.text:
                return filt
            log.info(
                "room %s reply %s: %s; asking again",
                reply.room_id,
                reply.id,
                f"wrote as {filt.impersonated}" if filt.impersonated else "declined when asked",
            )
        return filt

    async def _end(self, reply: ActiveReply, ended: room_pb2.ReplyEnded) -> None:
        """Tell the room the reply is over, with its timing."""
        await self._unlist(reply)  # a joiner from now on sees its end, not it streaming
        if self._speech is not None:
            self._speech.reply_ended(reply.id, kept=ended.message_seq > 0)
        timing = reply.timing
        timing.done_at_ms = now_ms()
        ended.timing.CopyFrom(timing)
        metrics.observe_reply(ended)
        log.info(
            "room %s reply %s by %s: %s; %s",
            reply.room_id,
            reply.id,
            reply.persona.id,
            room_pb2.ReplyOutcome.Name(ended.outcome),
            describe_timing(timing),
        )
        await self._log.ephemeral(reply.room_id, room_pb2.RoomEvent(reply_ended=ended))

    async def _prompt(self, reply: ActiveReply) -> Prompt:
        room = await self._store.get_room(reply.room_id)
        participants = [r.participant for r in await self._store.participants(reply.room_id)]
        # In turn, a persona also sees the replies given before its turn.
        upto = 0 if reply.in_turn else reply.trigger_seq
        transcript = await self._transcripts.window(reply.room_id, upto)
        if all(m.id != reply.trigger.id for m in transcript):  # older than the window
            transcript.append(reply.trigger)
        context = RoomContext(
            name=room.name if room else "",
            description=room.description if room else "",
            participants=participants,
        )
        persona = reply.persona.persona
        # Asked by name, a persona answers; otherwise it may let others speak.
        asked_by_name = reply.depth == 0 and reply.persona.id in reply.trigger.mention_ids
        info = await self._models.info(persona.model)
        writes_the_chat = info is not None and info.supports_prefill
        if writes_the_chat:
            # The model writes the persona's line of the transcript itself.
            messages, prefill = continuation(reply.persona, context, transcript)
        else:
            messages = build_messages(
                reply.persona, context, transcript, may_decline=not asked_by_name
            )
            prefill = ""
        settings = chat_pb2.GenerationSettings()
        settings.CopyFrom(persona.generation)
        del settings.stop[:]
        settings.stop.extend(
            turn_stops(
                reply.persona,
                transcript,
                persona.generation.stop,
                participants=participants,
                limit=MAX_CONTINUATION_STOPS if writes_the_chat else MAX_STOPS,
            )
        )
        request = chat_pb2.CompleteRequest(
            model=persona.model,
            messages=messages,
            prefill=prefill,
            settings=settings,
            request_id=reply.id,
        )
        return Prompt(
            request=request,
            names=[p.name for p in participants if p.id != reply.persona.id],
            recent=[m.text for m in transcript[-_ECHO_WINDOW:]],
            asked_by_name=asked_by_name,
            writes_the_chat=writes_the_chat,
        )

    async def _stream(
        self, reply: ActiveReply, request: chat_pb2.CompleteRequest, filt: ReplyFilter
    ) -> None:
        reply.timing.model_start_at_ms = now_ms()
        async with (
            asyncio.timeout(self._settings.reply_timeout_s),
            aclosing(self._completer.complete(request)) as chunks,
        ):
            idle_s: float | None = None  # waiting for a busy model is bounded by the reply timeout
            while not filt.finished:  # closing the stream early stops the model
                try:
                    async with asyncio.timeout(idle_s):
                        chunk = await anext(chunks)
                    idle_s = self._settings.model_idle_timeout_s
                except StopAsyncIteration:
                    break
                except TimeoutError as exc:
                    raise CompletionError(
                        "no output within the idle timeout",
                        kind=FailureKind.TIMEOUT,
                        retryable=True,
                    ) from exc
                kind = chunk.WhichOneof("chunk")
                if kind == "text":
                    if not reply.timing.first_token_at_ms:
                        reply.timing.first_token_at_ms = now_ms()
                    shown = filt.feed(chunk.text)
                    if shown:
                        reply.text += shown
                        if self._speech is not None:
                            self._speech.reply_text(reply.id, shown)
                        await self._log.ephemeral(
                            reply.room_id,
                            room_pb2.RoomEvent(
                                reply_delta=room_pb2.ReplyDelta(reply_id=reply.id, text=shown)
                            ),
                        )
                        await self._list(reply)
                elif kind == "usage":
                    reply.timing.prompt_tokens = chunk.usage.prompt_tokens
                    reply.timing.prompt_tokens_cached = chunk.usage.prompt_tokens_cached
                    reply.timing.completion_tokens = chunk.usage.completion_tokens
                elif kind == "finish":
                    reply.finish = chunk.finish
                elif kind == "error":
                    raise CompletionError(
                        chunk.error.message,
                        kind=CHAT_FAILURES.get(chunk.error.code, FailureKind.FAILED),
                        retryable=chunk.error.retryable,
                    )

    async def _store_reply(
        self,
        reply: ActiveReply,
        status: room_pb2.MessageStatus,
        ended: room_pb2.ReplyEnded,
    ) -> room_pb2.RoomEvent:
        participants = [r.participant for r in await self._store.participants(reply.room_id)]
        text = reply.text.strip()
        mentions = parse_mentions(text, participants)
        message = room_pb2.Message(
            id=reply.id,
            author_id=reply.persona.id,
            author_name=reply.persona.name,
            author_kind=PERSONA,
            text=text,
            reply_to_id=reply.trigger.id,
            mention_ids=mentions.ids,
            status=status,
            created_at_ms=now_ms(),
        )
        appended = await self._log.append(reply.room_id, room_pb2.RoomEvent(message=message))
        ended.message_seq = appended.event.seq
        return appended.event

    async def _chain(self, reply: ActiveReply, stored: room_pb2.RoomEvent) -> None:
        """A persona's @mention of another persona asks it in turn, up to a depth."""
        if reply.depth >= self._settings.persona_chain_depth or not stored.message.mention_ids:
            return
        participants = [r.participant for r in await self._store.participants(reply.room_id)]
        # A greeting ("@Mira, I agree...") asks nothing; a question does.
        questioned = parse_mentions(stored.message.text, participants).asked
        asked = [p for p in participants if p.id in questioned and p.kind == PERSONA]
        await self.trigger(reply.room_id, stored, asked, depth=reply.depth + 1)


def describe_timing(timing: room_pb2.ReplyTiming) -> str:
    """One log-friendly line: waits and durations in ms, and the prompt's reuse."""

    def since(start: int, end: int) -> str:
        return str(end - start) if start and end else "-"

    return (
        f"turn wait {since(timing.received_at_ms, timing.model_start_at_ms)} ms, "
        f"first token {since(timing.model_start_at_ms, timing.first_token_at_ms)} ms, "
        f"total {since(timing.received_at_ms, timing.done_at_ms)} ms, "
        f"prompt {timing.prompt_tokens} tokens ({timing.prompt_tokens_cached} reused), "
        f"{timing.completion_tokens} generated"
    )
