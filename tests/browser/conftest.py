"""Real Chromium (Debian's, not a downloaded one) driven through Playwright's sync API."""

import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls there without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"needs Chromium at {CHROMIUM} (apt-get install chromium); Playwright downloads none here"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A page of a fresh context; the test fails if the page broke the Content-Security-Policy (a script or
    style of ours the policy refused) or a script of the page threw."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    refused = []
    page.on(
        "console", lambda message: "Content Security Policy" in message.text and refused.append(message.text)
    )
    page.on("pageerror", lambda error: refused.append(str(error)))
    yield page
    context.close()
    assert not refused, refused


@pytest.fixture
def api_request(browser, live_server):
    """HTTP requests from a context of their own: no session cookie, so only the API key can authenticate."""
    context = browser.new_context(base_url=live_server.url)
    yield context.request
    context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name):
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    return take
