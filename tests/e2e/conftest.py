"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test itself
# are plain synchronous calls, so Django's async guard does not apply to them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}: "
            "sudo apt-get install -y chromium (make test does it as root).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            "axe-core is missing (node_modules/axe-core): run `npm ci` in the project folder "
            "(make test does it).",
            pytrace=False,
        )
    return AXE.read_text(encoding="utf-8")


def assert_accessible(page, axe_source: str, width: int) -> None:
    """Assert that axe-core finds no violation on the page and nothing scrolls sideways."""
    # Evaluated by the browser's devtools protocol, which the page's Content-Security-Policy
    # (no inline script) does not govern, unlike an injected <script> tag.
    page.evaluate(axe_source)
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`)"
    )
    assert violations == [], f"{page.url}: {violations}"
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide at {width}px"
