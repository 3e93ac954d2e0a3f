"""Steps the browser tests share: joining, sending, and the axe-core check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


async def wait_live(page: Page, within_ms: float = 15_000) -> None:
    await expect(page.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "live", timeout=within_ms
    )


async def join(page: Page, name: str) -> None:
    await page.get_by_test_id("join-name").fill(name)
    await page.get_by_test_id("join-submit").click()
    await wait_live(page)


async def send(page: Page, text: str) -> None:
    composer = page.get_by_test_id("composer")
    await composer.fill(text)
    await page.get_by_test_id("send").click()
    await expect(composer).to_have_value("")


def messages(page: Page, author: str | None = None) -> Any:
    selector = '[data-testid="message"]'
    if author:
        selector += f'[data-author="{author}"]'
    return page.locator(selector)


async def serious_a11y_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core (from web/node_modules) run in the page: serious or critical only."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const result = await window.axe.run(document, { resultTypes: ['violations'] });
            return result.violations
              .filter((v) => v.impact === 'serious' || v.impact === 'critical')
              .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ')) }));
        }"""
    )
    return found


async def no_xss_fired(page: Page) -> bool:
    fired: bool = await page.evaluate("() => Boolean(window.__xss)")
    return not fired
