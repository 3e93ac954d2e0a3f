"""The web client as people use it every day, in headless Chromium against
the real stack: two people in a room with two personas, Markdown, a
streamed @mention, stop, XSS payloads that stay inert, going offline and
back with nothing lost or doubled, drafts across a reload, the phone
viewport, keyboard-only use, axe-core, and screenshots of the main screens."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from ..stack import Stack
from .helpers import (
    join,
    messages,
    no_xss_fired,
    send,
    serious_a11y_violations,
    wait_live,
)

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

MARKDOWN = (
    "**Plan** for *today*:\n\n"
    "- read the `notes`\n"
    "- ask @Gus\n\n"
    "> quoted line\n\n"
    "| step | who |\n|---|---|\n| 1 | Olivia |\n\n"
    "```python\nprint('hi')\n```\n\n"
    "[the site](https://example.com)"
)
XSS = (
    '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> '
    "[click me](javascript:window.__xss=3) "
    '<a href="javascript:window.__xss=4">raw link</a>'
)


async def create_room(page: Page, stack: Stack) -> str:
    """Olivia creates a room with Ada and Rex and is in it without a second prompt."""
    await page.goto(stack.http)
    await page.get_by_test_id("create-room-name").fill("Daily room")
    await page.get_by_test_id("create-your-name").fill("Olivia")
    await page.get_by_test_id("persona-name-0").fill("Ada")
    await page.get_by_test_id("persona-title-0").fill("Mathematician")
    await page.get_by_test_id("persona-prompt-0").fill("You are Ada. Answer in one short sentence.")
    await page.get_by_test_id("add-persona").click()
    await page.get_by_test_id("persona-name-1").fill("Rex")
    await page.get_by_test_id("persona-title-1").fill("Storyteller")
    await page.get_by_test_id("persona-prompt-1").fill(
        "You are Rex. You tell very long stories and never stop early."
    )
    # Model settings from the editor reach the API.
    await page.locator("#persona-settings-1 summary").click()
    await page.get_by_test_id("persona-maxTokens-1").fill("400")
    await page.get_by_test_id("persona-temperature-1").fill("0.9")
    await page.get_by_test_id("create-room-submit").click()
    await wait_live(page)
    await expect(page.get_by_test_id("join-name")).to_have_count(0)
    # Focus is in the composer: the first thing typed is the first message.
    await expect(page.get_by_test_id("composer")).to_be_focused()
    link = (await page.get_by_test_id("invite-link").inner_text()).strip()
    assert "/r/" in link and "#invite=" in link
    return link


@pytest.mark.asyncio
async def test_two_people_markdown_stream_stop_xss_offline(
    stack: Stack, browser: Browser, artifacts: Path
) -> None:
    owner_ctx = await browser.new_context(viewport=DESKTOP)
    owner = await owner_ctx.new_page()
    dialogs: list[str] = []
    owner.on("dialog", lambda d: dialogs.append(d.message))
    link = await create_room(owner, stack)

    guest_ctx = await browser.new_context(viewport=DESKTOP)
    guest = await guest_ctx.new_page()
    guest.on("dialog", lambda d: dialogs.append(d.message))
    await guest.goto(link)
    await join(guest, "Gus")
    await expect(guest.get_by_test_id("composer")).to_be_focused()
    await expect(owner.get_by_test_id("participant")).to_have_count(4, timeout=10_000)

    # Markdown, both ways.
    await send(owner, MARKDOWN)
    await send(guest, "Sure — `code` and **bold** from Gus")
    for page in (owner, guest):
        plan = messages(page, "Olivia").last
        await expect(plan.locator("strong")).to_have_text("Plan", timeout=10_000)
        await expect(plan.locator("li")).to_have_count(2)
        await expect(plan.locator("blockquote")).to_contain_text("quoted line")
        await expect(plan.locator("table td").first).to_have_text("1")
        await expect(plan.locator(".code-block code")).to_contain_text("print('hi')")
        await expect(plan.locator(".code-block button")).to_have_text("Copy")
        await expect(plan.locator(".mention")).to_have_text("@Gus")
        a = plan.locator("a")
        await expect(a).to_have_attribute("href", "https://example.com")
        await expect(a).to_have_attribute("target", "_blank")
        await expect(a).to_have_attribute("rel", "noopener noreferrer nofollow")
        await expect(messages(page, "Gus").last.locator("strong")).to_have_text("bold")

    # XSS payloads stay text in both pages.
    await send(guest, XSS)
    for page in (owner, guest):
        bad = messages(page, "Gus").last
        await expect(bad).to_contain_text('<img src=x onerror="window.__xss=1">', timeout=10_000)
        await expect(bad).to_contain_text("<script>window.__xss=2</script>")
        assert await bad.locator("img, script, iframe").count() == 0
        assert await page.locator('[data-testid="message-list"] a[href^="javascript"]').count() == 0
        await bad.get_by_text("click me").click()
        assert await no_xss_fired(page)
    assert dialogs == []

    # @all is offered in the mention menu, with combobox wiring.
    composer = guest.get_by_test_id("composer")
    await composer.fill("@al")
    await expect(composer).to_have_attribute("aria-expanded", "true")
    menu = guest.get_by_test_id("mention-menu")
    await expect(menu.get_by_role("option", name="all")).to_be_visible()
    menu_id = await menu.get_attribute("id")
    await expect(composer).to_have_attribute("aria-controls", menu_id or "")
    await composer.press("Escape")
    await composer.fill("")

    # An @mention streams a reply both see.
    await send(guest, "@Ada hello, who are you?")
    await expect(guest.get_by_test_id("streaming-reply")).to_have_count(1, timeout=30_000)
    for page in (owner, guest):
        await expect(messages(page, "Ada")).to_have_count(1, timeout=90_000)
    await expect(guest.get_by_test_id("streaming-reply")).to_have_count(0)
    # Screen readers hear new messages and finished replies (a polite live region).
    await expect(owner.get_by_test_id("live-region")).to_contain_text("Gus: @Ada hello")
    await expect(owner.get_by_test_id("live-region")).to_contain_text("Ada replied:")
    await expect(owner.get_by_test_id("live-region")).to_have_attribute("aria-live", "polite")

    # Stop: Olivia stops Rex's long story; both see it stopped, Olivia sees by whom.
    await send(guest, "@Rex tell me the longest story you know about the sea.")
    stop = owner.get_by_test_id("stop-reply")
    await expect(stop).to_have_count(1, timeout=60_000)
    await expect(stop).to_have_attribute("aria-label", "Stop Rex's reply")
    await stop.click()
    await expect(owner.get_by_test_id("streaming-reply")).to_have_count(0, timeout=30_000)
    stopped_owner = owner.locator(
        '[data-testid="message"][data-author="Rex"][data-status="interrupted"], '
        '[data-testid="reply-note"]:has-text("Rex was stopped")'
    )
    await expect(stopped_owner.first).to_contain_text("stopped by you", timeout=15_000)
    stopped_guest = guest.locator(
        '[data-testid="message"][data-author="Rex"][data-status="interrupted"], '
        '[data-testid="reply-note"]:has-text("Rex was stopped")'
    )
    await expect(stopped_guest.first).to_contain_text("stopped", timeout=15_000)
    await expect(stopped_guest.first).not_to_contain_text("by you")

    # @all: the personas still waiting their turn are shown in order; Stop all ends
    # the reply and the waiting turns for both people.
    await send(guest, "@all say hello in one word")
    await expect(guest.get_by_test_id("reply-queue")).to_contain_text("1. Rex", timeout=60_000)
    await expect(owner.get_by_test_id("reply-queue")).to_contain_text("1. Rex", timeout=10_000)
    await owner.screenshot(path=str(artifacts / "queue-desktop.png"))
    await expect(guest.get_by_test_id("stop-all")).to_be_visible(timeout=60_000)
    await guest.get_by_test_id("stop-all").click()
    for page in (owner, guest):
        await expect(page.get_by_test_id("streaming-reply")).to_have_count(0, timeout=30_000)
        await expect(page.get_by_test_id("reply-queue")).to_have_count(0, timeout=15_000)

    await owner.screenshot(path=str(artifacts / "room-desktop.png"))
    assert await serious_a11y_violations(owner) == []

    # Offline for 10 s: a banner at once, sends wait, and everything arrives once.
    await guest_ctx.set_offline(True)
    banner = guest.get_by_test_id("connection-banner")
    await expect(banner).to_be_visible(timeout=3_000)
    await expect(guest.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "offline"
    )
    await send(owner, "said while Gus was away 1")
    await send(guest, "written while offline")
    await send(owner, "said while Gus was away 2")
    await guest.screenshot(path=str(artifacts / "offline-desktop.png"))
    await asyncio.sleep(10)
    await guest_ctx.set_offline(False)
    await wait_live(guest, within_ms=20_000)
    await expect(banner).to_have_count(0)
    for text in ("said while Gus was away 1", "said while Gus was away 2", "written while offline"):
        for page in (owner, guest):
            await expect(page.locator('[data-testid="message"]', has_text=text)).to_have_count(
                1, timeout=15_000
            )
    for page in (owner, guest):
        seqs = [
            int(s)
            for s in await page.locator('[data-testid="message-list"] [data-seq]').evaluate_all(
                "els => els.map(e => e.dataset.seq)"
            )
        ]
        assert seqs == sorted(set(seqs)), seqs

    # A draft survives a reload.
    await guest.get_by_test_id("composer").fill("half a thought")
    await asyncio.sleep(0.6)
    await guest.reload()
    await wait_live(guest)
    await expect(guest.get_by_test_id("composer")).to_have_value("half a thought")

    # The theme switch: dark, then light, remembered.
    await guest.get_by_test_id("theme-switch").click()
    await expect(guest.locator("html")).to_have_attribute("data-theme", "dark")
    await guest.wait_for_timeout(500)  # let colour transitions finish before the picture
    await guest.screenshot(path=str(artifacts / "room-desktop-dark.png"))
    assert await serious_a11y_violations(guest) == []
    await owner_ctx.close()
    await guest_ctx.close()


@pytest.mark.asyncio
async def test_phone_and_keyboard(stack: Stack, browser: Browser, artifacts: Path) -> None:
    desk = await (await browser.new_context(viewport=DESKTOP)).new_page()
    await desk.goto(stack.http)
    await desk.screenshot(path=str(artifacts / "home-desktop.png"))
    assert await serious_a11y_violations(desk) == []
    link = await create_room(desk, stack)
    await send(desk, "A first line that must stay readable on a phone.")

    ctx = await browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    phone = await ctx.new_page()
    await phone.goto(link)
    await phone.screenshot(path=str(artifacts / "join-phone.png"))
    assert await serious_a11y_violations(phone) == []

    # Keyboard only: type the name, Enter joins, focus lands in the composer.
    await phone.get_by_test_id("join-name").focus()
    await phone.keyboard.type("Pia")
    await phone.keyboard.press("Enter")
    await wait_live(phone)
    composer = phone.get_by_test_id("composer")
    await expect(composer).to_be_focused()
    await phone.keyboard.type("@Ad")
    await expect(phone.get_by_test_id("mention-menu")).to_be_visible()
    await phone.keyboard.press("Enter")  # picks Ada
    await expect(composer).to_have_value("@Ada ")
    await phone.keyboard.type("hi from the keyboard")
    await phone.keyboard.press("Enter")
    await expect(messages(phone, "Pia")).to_have_count(1, timeout=10_000)

    # A compact header; message actions appear on a tap, below the text, not over it.
    await phone.screenshot(path=str(artifacts / "room-phone-joined.png"))
    header = await phone.locator(".room-header").bounding_box()
    assert header is not None and header["height"] <= 844 / 10, header
    first = messages(phone, "Olivia").first
    reply = first.get_by_test_id("reply-action")
    await expect(reply).to_be_hidden()
    await first.locator(".message-text").tap()
    await expect(reply).to_be_visible()
    text_box = await first.locator(".message-text").bounding_box()
    reply_box = await reply.bounding_box()
    assert text_box is not None and reply_box is not None
    assert reply_box["y"] >= text_box["y"] + text_box["height"] - 1, (text_box, reply_box)
    await phone.screenshot(path=str(artifacts / "room-phone.png"))
    assert await serious_a11y_violations(phone) == []

    # The people drawer closes with Escape and with a tap outside.
    toggle = phone.get_by_test_id("people-toggle")
    panel = phone.get_by_test_id("people-panel")
    await toggle.tap()
    await expect(panel).to_be_visible()
    await expect(phone.get_by_test_id("drawer-close")).to_be_focused()
    await phone.screenshot(path=str(artifacts / "people-phone.png"))
    await phone.keyboard.press("Escape")
    await expect(panel).to_be_hidden()
    await toggle.tap()
    await expect(panel).to_be_visible()
    await phone.mouse.click(20, 600)
    await expect(panel).to_be_hidden()

    # Persona edit buttons say which persona (owner side, desktop).
    await expect(desk.get_by_role("button", name="Edit Ada")).to_be_visible()
    await expect(desk.get_by_role("button", name="Edit Rex")).to_be_visible()
    # The owner's editor takes model settings, and they round-trip through the API.
    await desk.get_by_role("button", name="Edit Ada").click()
    await desk.locator("#persona-settings-edit summary").click()
    await desk.get_by_test_id("persona-temperature-edit").fill("0.5")
    await desk.get_by_test_id("persona-maxTokens-edit").fill("120")
    await desk.screenshot(path=str(artifacts / "persona-editor-desktop.png"))
    await desk.get_by_test_id("persona-submit-edit").click()
    await expect(desk.get_by_test_id("system-line").last).to_have_text("Ada was updated")
    await desk.get_by_role("button", name="Edit Ada").click()
    await expect(desk.get_by_test_id("persona-temperature-edit")).to_have_value("0.5")
    await expect(desk.get_by_test_id("persona-maxTokens-edit")).to_have_value("120")
    await ctx.close()
