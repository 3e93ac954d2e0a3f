"""The app's lifespan: shutdown closes the members (1012) and the links."""

from __future__ import annotations

import pytest

from .conftest import GatewayHarness


@pytest.mark.asyncio
async def test_shutdown_closes_members_with_1012_and_links(gateway: GatewayHarness) -> None:
    created = await gateway.create_room()
    room_id, invite = created["room"]["id"], created["inviteToken"]
    members = [await gateway.connect(room_id) for _ in range(3)]
    for i, member in enumerate(members):
        await member.join(invite, f"P{i}")

    gateway.server.should_exit = True
    for member in members:
        code, _ = await member.closed()
        assert code == 1012
    # The fixture's teardown checks that no room link task is left running.
