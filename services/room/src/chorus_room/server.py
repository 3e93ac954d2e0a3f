"""Assembles the room service (store, bus, completer, logic) and serves it
over gRPC with health checking (SERVING while the store answers) and
reflection."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

import grpc
from chorus.v1 import room_pb2, room_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from chorus_room.adapters.grpc_completer import GrpcCompleter
from chorus_room.adapters.grpc_voice import GrpcVoice
from chorus_room.composition import LiveState, open_bus, open_live, open_store, resyncing
from chorus_room.config import RoomSettings
from chorus_room.events import EventLog
from chorus_room.health import StoreHealth
from chorus_room.models import ModelCatalog
from chorus_room.ports.bus import Bus
from chorus_room.ports.completer import Completer
from chorus_room.ports.store import Store
from chorus_room.ports.voice import Voice
from chorus_room.presets import load_presets
from chorus_room.replies import ReplyManager
from chorus_room.rooms import Rooms
from chorus_room.servicer import RoomServicer
from chorus_room.session import SessionDeps
from chorus_room.speech import Speech
from chorus_room.voices import VoiceCatalog

log = logging.getLogger("chorus.room")
#: Longest wait, on stop, for cancelled sessions to finish their cleanup.
_SESSION_CLEANUP_S = 2.0
SERVICE_NAME = room_pb2.DESCRIPTOR.services_by_name["RoomService"].full_name


class RoomServer:
    """The room service in-process: ``port = await start()``, ``await stop()``.

    Adapters may be passed in (tests, other deployments); by default the
    settings choose them (``composition``): SQLite or DynamoDB, the in-process
    bus or Redis, and the chat and voice services over gRPC (no voice when
    ``voice_target`` is empty).
    """

    def __init__(
        self,
        settings: RoomSettings,
        *,
        store: Store | None = None,
        bus: Bus | None = None,
        completer: Completer | None = None,
        voice: Voice | None = None,
    ) -> None:
        self.settings = settings
        self._store = store
        self._bus = bus
        self._completer = completer
        self._voice = voice
        self._speech: Speech | None = None
        self._server: grpc.aio.Server | None = None
        self._replies: ReplyManager | None = None
        self._health: StoreHealth | None = None
        self._live: LiveState | None = None
        self._servicer: RoomServicer | None = None
        self._stopped = False

    async def start(self) -> int:
        s = self.settings
        self._store = self._store or await open_store(s)
        self._bus = self._bus or await open_bus(s)
        self._completer = self._completer or GrpcCompleter(s.chat_target)
        if self._voice is None and s.voice_target:
            self._voice = GrpcVoice(s.voice_target)
        event_log = EventLog(self._store, resyncing(self._bus, self._store))
        models = ModelCatalog(self._completer)
        if self._voice is not None:
            self._speech = Speech(event_log, self._voice)
        self._live = open_live(s, on_expired=functools.partial(_went_away, event_log))
        self._replies = ReplyManager(
            event_log,
            self._completer,
            models,
            s,
            speech=self._speech,
            budget=self._live.budget,
            active=self._live.replies,
        )
        deps = SessionDeps(
            rooms=Rooms(
                event_log, models, load_presets(s.presets_path), s, VoiceCatalog(self._voice)
            ),
            log=event_log,
            replies=self._replies,
            presence=self._live.presence,
            active_replies=self._live.replies,
            settings=s,
            voice=self._voice,
            speech=self._speech,
        )
        self._health = StoreHealth(
            self._store, (SERVICE_NAME,), interval_s=s.health_check_interval_s
        )
        server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
        self._servicer = RoomServicer(deps)
        room_pb2_grpc.add_RoomServiceServicer_to_server(self._servicer, server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health.servicer, server)
        reflection.enable_server_reflection(
            (
                SERVICE_NAME,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ),
            server,
        )
        port: int = server.add_insecure_port(f"{s.host}:{s.port}")
        if port == 0:
            raise OSError(f"cannot listen on {s.host}:{s.port}")
        await self._health.start()
        await server.start()
        self._server = server
        log.info("room service listening on %s:%d", s.host, port)
        return port

    async def stop(self, grace: float | None = None) -> None:
        """Stop running replies (each stored as interrupted, its replyEnded
        sent), refuse new calls, give open streams ``grace`` seconds, then
        cancel them and close the adapters. Safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        grace = self.settings.shutdown_grace_s if grace is None else grace
        if self._health is not None:
            await self._health.aclose()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        if self._replies is not None:
            # Running replies end as interrupted (their text so far stored,
            # replyEnded sent) while members' streams are still open; the
            # grace bounds this and what follows together.
            await self._replies.aclose(grace_s=grace)
        if self._server is not None:
            await self._server.stop(max(0.0, deadline - loop.time()))
        if self._servicer is not None:  # their members leave before the adapters close
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_SESSION_CLEANUP_S):
                    await self._servicer.sessions_ended()
        if self._speech is not None:
            await self._speech.aclose()
        if self._live is not None:
            await self._live.aclose()
        for closable in (self._completer, self._voice, self._bus, self._store):
            if closable is not None:
                await closable.aclose()


async def _went_away(event_log: EventLog, room_id: str, participant_id: str) -> None:
    """A member of an instance that stopped (crashed) is offline for the room."""
    presence = room_pb2.Presence(participant_id=participant_id, online=False)
    await event_log.ephemeral(room_id, room_pb2.RoomEvent(presence=presence))
