"""Group joins share the channel layer's Redis pool, which raises "Too many connections" when it is full
instead of waiting (redis-py 8). The consumer's gate keeps them under the pool's size: many sockets joining at
once all get in. Against the real Redis, with a pool made small so the burst is cheap."""

import asyncio
import uuid
from typing import Any, cast

import pytest
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from redis.exceptions import MaxConnectionsError

from apps.realtime.consumer import RealtimeConsumer


def _layer(max_connections: int) -> RedisChannelLayer:
    configured = cast(dict[str, Any], settings.CHANNEL_LAYERS["default"]["CONFIG"])["hosts"][0]
    host = {**configured, "max_connections": max_connections}
    return RedisChannelLayer(hosts=[host], prefix=f"nf-test-gate-{uuid.uuid4().hex[:8]}")


def _consumers(layer: RedisChannelLayer, count: int) -> list[RealtimeConsumer]:
    consumers = []
    for n in range(count):
        consumer = RealtimeConsumer()
        consumer.channel_layer, consumer.channel_name, consumer.groups_joined = layer, f"specific.gate!{n}", set()
        consumers.append(consumer)
    return consumers


def test_a_burst_of_joins_larger_than_the_pool_waits_its_turn(settings):
    settings.REALTIME_LAYER_CONCURRENCY = 3

    async def burst() -> list[int]:
        layer = _layer(max_connections=5)
        consumers = _consumers(layer, 60)
        group = f"gate-{uuid.uuid4().hex[:8]}"
        try:
            await asyncio.gather(*(consumer.join(group) for consumer in consumers))
            joined = [len(consumer.groups_joined) for consumer in consumers]
            await asyncio.gather(*(consumer.leave(group) for consumer in consumers))
            return joined
        finally:
            await layer.flush()

    assert asyncio.run(burst()) == [1] * 60


def test_without_the_gate_the_same_burst_overflows_the_pool():
    """The failure the gate exists for (so the test above proves something)."""

    async def burst() -> None:
        layer = _layer(max_connections=5)
        group = f"gate-{uuid.uuid4().hex[:8]}"
        try:
            await asyncio.gather(*(layer.group_add(group, f"specific.raw!{n}") for n in range(60)))
        finally:
            await layer.flush()

    with pytest.raises(MaxConnectionsError):
        asyncio.run(burst())
