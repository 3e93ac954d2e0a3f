"""The Redis Bus (redis.asyncio pub/sub), for several room-service instances.

One connection per instance carries all of its subscriptions: a listener task
reads it and hands each message to the local subscribers of its channel (one
bounded queue each, like the in-process bus). Publishing goes through one
writer task that pipelines what is queued (one round trip for many
publishers), so this instance's messages reach Redis, and so every
subscriber, in the order they were published.

Nothing here retries behind the caller's back: redis-py's own reconnect (which
would silently resubscribe and hide what was lost meanwhile) is off. When the
connection breaks, the listener reconnects with backoff; once it is
subscribed again, every local subscription counts a drop and gets an empty
wake-up payload, so that its reader sees the drop and resyncs by seq from the
store (``bus_resync``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("chorus.room.redis_bus")
#: An empty payload: "you may have missed something", never a real message.
WAKE = b""
#: Always subscribed, so the listener's connection exists with no room open.
CONTROL_CHANNEL = "chorus:bus:control"
_LOST = (RedisConnectionError, RedisTimeoutError, OSError)
#: Messages pipelined to Redis in one round trip.
_PUBLISH_BATCH = 512


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """Backoff with full jitter between tries to reach Redis again."""

    base_delay_s: float = 0.05
    max_delay_s: float = 2.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, failures: int) -> float:
        return self.rng.uniform(0.0, min(self.max_delay_s, self.base_delay_s * 2**failures))


class RedisSubscription:
    def __init__(self, maxsize: int) -> None:
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize)
        self._dropped = 0

    def offer(self, payload: bytes) -> None:
        try:
            self._queue.put_nowait(payload)
        except asyncio.QueueFull:
            self._dropped += 1

    def lost(self) -> None:
        """The connection broke: whatever was published meanwhile is gone."""
        self._dropped += 1

    @property
    def dropped(self) -> int:
        return self._dropped

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            yield await self._queue.get()


class RedisBus:
    def __init__(
        self,
        client: Redis,
        *,
        queue_size: int = 4096,
        outbox_size: int = 16384,
        subscribe_timeout_s: float = 2.0,
        publish_wait_s: float = 1.0,
        policy: ReconnectPolicy | None = None,
    ) -> None:
        self._client = client
        self._queue_size = queue_size
        self._subscribe_timeout_s = subscribe_timeout_s
        self._policy = policy or ReconnectPolicy()
        self._publish_wait_s = publish_wait_s
        self._outbox: asyncio.Queue[tuple[str, bytes, asyncio.Future[None]]] = asyncio.Queue(
            outbox_size
        )
        self._channels: dict[str, set[RedisSubscription]] = {}
        #: Channels whose SUBSCRIBE Redis has confirmed on the live connection.
        self._confirmed: dict[str, asyncio.Event] = {}
        #: Channels whose subscribers get a wake-up once confirmed again.
        self._to_wake: set[str] = set()
        self._pubsub: PubSub | None = None
        self._up = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        #: Published messages dropped (outbox full, or Redis unreachable).
        self.publish_dropped = 0
        #: Times the listener connected (1 at start, +1 per reconnect).
        self.connects = 0

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisBus:
        """A bus on ``url``; call ``start()`` before use."""
        client = Redis.from_url(
            url,
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=2.0,
            socket_timeout=5.0,
            socket_keepalive=True,
            health_check_interval=10,
        )
        return cls(client, **kwargs)

    async def start(self, timeout_s: float = 5.0) -> None:
        """Start listening; wait (bounded) for the first connection. Redis
        may be down now: the bus keeps trying, and works once it is up."""
        self._tasks.add(asyncio.create_task(self._listen(), name="redis-bus-listen"))
        self._tasks.add(asyncio.create_task(self._write(), name="redis-bus-write"))
        with suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._up.wait()
        if not self._up.is_set():
            log.warning("redis bus: Redis not reachable yet; retrying in the background")

    @property
    def connected(self) -> bool:
        return self._pubsub is not None

    # ------------------------------------------------------------ publish

    async def publish(self, channel: str, payload: bytes) -> None:
        """Queue ``payload`` and wait (at most ``publish_wait_s``) until Redis
        has it, so that what the caller does next happens after it. Never
        raises: when Redis is unreachable the message is dropped (counted)."""
        sent = asyncio.get_running_loop().create_future()
        try:
            self._outbox.put_nowait((channel, payload, sent))
        except asyncio.QueueFull:
            self.publish_dropped += 1
            return
        await asyncio.wait((sent,), timeout=self._publish_wait_s)

    async def _write(self) -> None:
        failures = 0
        while True:
            batch = [await self._outbox.get()]
            while len(batch) < _PUBLISH_BATCH and not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            try:
                async with self._client.pipeline(transaction=False) as pipe:
                    for channel, payload, _ in batch:
                        pipe.publish(channel, payload)
                    await pipe.execute()
                failures = 0
            except (*_LOST, RedisError) as exc:
                self.publish_dropped += len(batch)
                failures += 1
                log.warning("redis publish failed (%s): %d dropped", exc, len(batch))
            finally:
                for _, _, sent in batch:
                    if not sent.done():
                        sent.set_result(None)
            if failures:
                await asyncio.sleep(self._policy.delay(failures))

    # ---------------------------------------------------------- subscribe

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[RedisSubscription]:
        subscription = RedisSubscription(self._queue_size)
        subscribers = self._channels.setdefault(channel, set())
        first = not subscribers
        subscribers.add(subscription)
        try:
            await self._ensure_subscribed(channel, send=first)
            yield subscription
        finally:
            subscribers.discard(subscription)
            if not subscribers and self._channels.get(channel) is subscribers:
                del self._channels[channel]
                self._confirmed.pop(channel, None)
                pubsub = self._pubsub
                if pubsub is not None:
                    with suppress(*_LOST, RedisError):
                        await pubsub.unsubscribe(channel)

    async def _ensure_subscribed(self, channel: str, *, send: bool) -> None:
        """Wait (bounded) until Redis confirms the subscription, so that every
        message published after this returns is delivered. While Redis is
        down this returns at once: the listener subscribes when it is back,
        and the subscriber then gets a wake-up to resync."""
        pubsub = self._pubsub
        if pubsub is None:
            return
        confirmed = self._confirmed.setdefault(channel, asyncio.Event())
        if send:
            try:
                await pubsub.subscribe(channel)
            except (*_LOST, RedisError):
                return  # the listener notices and resubscribes
        with suppress(TimeoutError):
            async with asyncio.timeout(self._subscribe_timeout_s):
                await confirmed.wait()

    # ------------------------------------------------------------- listen

    async def _listen(self) -> None:
        failures = 0
        while True:
            pubsub = self._client.pubsub()
            try:
                channels = [CONTROL_CHANNEL, *self._channels]
                # After any break, what was published meanwhile is lost.
                self._to_wake = set(self._channels) if self.connects or failures else set()
                self._confirmed = {c: asyncio.Event() for c in self._channels}
                await pubsub.subscribe(*channels)
                self._pubsub = pubsub
                self._up.set()
                self.connects += 1
                if failures:
                    log.info("redis bus reconnected after %d tries", failures)
                failures = 0
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._dispatch(message)
            except (*_LOST, RedisError) as exc:
                if self._pubsub is not None or not failures:
                    log.warning("redis bus connection lost (%s); reconnecting", exc)
                self._pubsub = None
                failures += 1
                await asyncio.sleep(self._policy.delay(failures))
            finally:
                self._pubsub = None
                with suppress(*_LOST, RedisError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        channel = message["channel"]
        name = channel.decode() if isinstance(channel, bytes) else str(channel)
        if kind == "message":
            for subscription in tuple(self._channels.get(name, ())):
                subscription.offer(message["data"])
        elif kind == "subscribe":
            confirmed = self._confirmed.get(name)
            if confirmed is not None:
                confirmed.set()
            if name in self._to_wake:
                self._to_wake.discard(name)
                for subscription in tuple(self._channels.get(name, ())):
                    subscription.lost()
                    subscription.offer(WAKE)

    # -------------------------------------------------------------- close

    async def aclose(self) -> None:
        tasks, self._tasks = self._tasks, set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._channels.clear()
        await self._client.aclose()
