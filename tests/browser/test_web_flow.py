"""The web client in headless Chromium: create a room, join from a second
page through the invite link, @mention a persona, watch the answer stream."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from ..stack import Stack


async def join(page: Page, name: str) -> None:
    await page.get_by_test_id("join-name").fill(name)
    await page.get_by_test_id("join-submit").click()
    await expect(page.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "live", timeout=15_000
    )


@pytest.mark.asyncio
async def test_create_join_mention_and_stream(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    owner = await (await browser.new_context()).new_page()
    await owner.goto(stack.http)
    await owner.get_by_test_id("create-room-name").fill("Browser room")
    await owner.get_by_test_id("create-room-description").fill(
        "Where the browser test talks to Ada."
    )
    await owner.get_by_test_id("persona-name-0").fill("Ada")
    await owner.get_by_test_id("persona-title-0").fill("Mathematician")
    await owner.get_by_test_id("persona-prompt-0").fill(
        "You are Ada. Answer in one short sentence."
    )
    await owner.get_by_test_id("create-room-submit").click()
    invite_link = await owner.get_by_test_id("invite-link").inner_text(timeout=15_000)
    assert "/r/" in invite_link and "#invite=" in invite_link
    await join(owner, "Olivia")

    guest = await (await browser.new_context()).new_page()
    await guest.goto(invite_link.strip())
    await join(guest, "Gus")
    await expect(owner.get_by_test_id("participant")).to_have_count(3, timeout=10_000)

    await guest.get_by_test_id("composer").fill("@Ada hello, who are you?")
    await guest.get_by_test_id("send").click()
    for page in (owner, guest):
        await expect(page.locator('[data-testid="message"][data-author="Gus"]')).to_have_count(
            1, timeout=10_000
        )
    # The reply streams (a live bubble) and then lands as Ada's message on both pages.
    await expect(guest.get_by_test_id("streaming-reply")).to_have_count(1, timeout=30_000)
    for page in (owner, guest):
        ada = page.locator('[data-testid="message"][data-author="Ada"]')
        await expect(ada).to_have_count(1, timeout=60_000)
        assert (await ada.inner_text()).strip()
    await expect(guest.get_by_test_id("streaming-reply")).to_have_count(0)
    # Where the reply's time went, one click away.
    timing = guest.locator('[data-author="Ada"] [data-testid="reply-timing"]')
    await expect(timing).to_contain_text("first word")
    await timing.locator("summary").click()
    await expect(timing).to_contain_text("prompt tokens")
    await guest.screenshot(path=str(tmp_path / "guest.png"))
