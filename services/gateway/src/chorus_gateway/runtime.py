"""What one gateway process shares: settings, gRPC channels and clients, the
room links and the metrics. Created and closed by the app's lifespan."""

from __future__ import annotations

import asyncio
import itertools
import logging

import grpc

from chorus_gateway.clients import ChatClient, RoomClient, is_serving
from chorus_gateway.config import GatewaySettings
from chorus_gateway.connection import ConnectionLimits
from chorus_gateway.link import LinkRegistry
from chorus_gateway.metrics import GatewayMetrics
from chorus_gateway.ratelimit import KeyedLimiter, Rate
from chorus_gateway.request_context import PassRequestId

log = logging.getLogger("chorus.gateway")

#: Seconds a readiness probe waits for each health check.
HEALTH_TIMEOUT_S = 1.0
#: Seconds in-flight calls get when the channels close.
CHANNEL_GRACE_S = 1.0


class Gateway:
    def __init__(self, settings: GatewaySettings, metrics: GatewayMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        # Unary calls carry the request id of the HTTP request that made them.
        interceptors = [PassRequestId()]
        self._room_channel = grpc.aio.insecure_channel(
            settings.room_target, interceptors=interceptors
        )
        self._chat_channel = grpc.aio.insecure_channel(
            settings.chat_target, interceptors=interceptors
        )
        self.room = RoomClient(self._room_channel)
        self.chat = ChatClient(self._chat_channel)
        self.links = LinkRegistry(
            self.room,
            gateway_id=settings.gateway_id,
            queue_frames=settings.link_queue_frames,
            metrics=metrics,
        )
        self.limits = ConnectionLimits(
            max_frame_bytes=settings.max_frame_bytes,
            outbound_queue_frames=settings.outbound_queue_frames,
            join_timeout_s=settings.join_timeout_s,
            stalled_s=settings.slow_consumer_s,
            messages=Rate(settings.member_messages_per_s, settings.member_messages_burst),
            text_bytes=Rate(settings.member_text_bytes_per_s, settings.member_text_bytes_burst),
        )
        self.room_creations = KeyedLimiter(
            Rate(settings.rooms_per_minute / 60, settings.rooms_burst)
        )
        self._conn_ids = itertools.count(1)

    def next_conn_id(self) -> str:
        """Unique on every stream of this process (and so on each link)."""
        return f"c{next(self._conn_ids)}"

    async def readiness(self) -> dict[str, bool]:
        room, chat = await asyncio.gather(
            is_serving(self._room_channel, deadline_s=HEALTH_TIMEOUT_S),
            is_serving(self._chat_channel, deadline_s=HEALTH_TIMEOUT_S),
        )
        return {"room": room, "chat": chat}

    async def aclose(self) -> None:
        await self.links.aclose()
        await asyncio.gather(
            self._room_channel.close(CHANNEL_GRACE_S), self._chat_channel.close(CHANNEL_GRACE_S)
        )
