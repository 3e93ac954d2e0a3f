"""Push-to-talk in headless Chromium with a fake microphone playing a WAV
made at test time: a second page sees the live caption and the transcript,
and plays the persona's spoken answer."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from ..stack import Stack
from ..voice_client import RATE, speech
from ..ws_client import create_room
from .conftest import ARGS, CHROMIUM
from .helpers import join, messages, serious_a11y_violations

ADA = {
    "name": "Ada",
    "title": "Mathematician",
    "systemPrompt": "You are Ada. Answer in one short sentence.",
    "model": "smollm2-135m",
}


def write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)


async def hold_to_talk(page: Page, seconds: float) -> None:
    button = page.get_by_test_id("push-to-talk")
    box = await button.bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await page.mouse.down()
    await expect(button).to_have_attribute("aria-pressed", "true")
    await asyncio.sleep(seconds)
    await page.mouse.up()
    await expect(button).to_have_attribute("aria-pressed", "false")


@pytest.mark.asyncio
async def test_push_to_talk_is_heard_by_the_room_and_the_answer_is_played(
    stack: Stack, tmp_path: Path, artifacts: Path
) -> None:
    created = await create_room(stack.http, ADA, name="Voice room")
    link = f"{stack.http}/r/{created['room']['id']}#invite={created['inviteToken']}"
    said = await speech(stack, "Ada, what is two plus two?")
    wav = tmp_path / "said.wav"
    write_wav(wav, said + b"\x00\x00" * RATE)  # then a second of silence
    mic = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS + mic)
        try:
            speaker = await (await browser.new_context()).new_page()
            listener = await (await browser.new_context()).new_page()
            for page, name in ((speaker, "Sam"), (listener, "Lee")):
                await page.goto(link)
                await join(page, name)
            captions = listener.locator(".voice-captions li")
            saw_caption = asyncio.create_task(
                captions.first.wait_for(state="visible", timeout=30_000)
            )
            await hold_to_talk(speaker, len(said) / 2 / RATE + 0.6)
            await saw_caption
            # The transcript, by the speaker, marked spoken, on the other page.
            spoken = messages(listener, "Sam")
            await expect(spoken).to_contain_text("plus", timeout=30_000)
            await expect(spoken.get_by_test_id("spoken-tag")).to_be_visible()
            # Ada answers, and the listener's page plays it: Ada is speaking there.
            await expect(messages(listener, "Ada")).to_have_count(1, timeout=90_000)
            await expect(listener.locator(".voice-speaking")).to_contain_text("Ada", timeout=60_000)
            await listener.screenshot(path=str(artifacts / "voice-listener.png"))
            assert await serious_a11y_violations(speaker) == []
            # The play button speaks it again, here only.
            await messages(listener, "Ada").first.hover()
            await messages(listener, "Ada").first.get_by_test_id("play-action").click()
            await expect(listener.locator(".voice-speaking")).to_contain_text("Ada", timeout=30_000)
        finally:
            await browser.close()
