"""A reload keeps a reviewer signed in; signing out ends it, in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.test_browser import CHROMIUM, CHROMIUM_ARGS, browser_sign_in, served_app

pytestmark = pytest.mark.browser


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    with served_app(f"sqlite:///{tmp_path / 'review.db'}", tmp_path) as url:
        yield url


def test_a_reload_keeps_the_sign_in_and_sign_out_ends_it(app_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(app_url)
            browser_sign_in(page, "alice", "alice-demo")
            expect(page.get_by_text("Signed in as")).to_be_visible()
            # The cookie is written by a script the page runs just after drawing: wait for it.
            page.wait_for_function("document.cookie.includes('reviewmap_session=')")
            cookie = next(c for c in context.cookies() if c["name"] == "reviewmap_session")
            assert cookie["sameSite"] == "Strict" and len(cookie["value"]) >= 40

            page.reload()
            expect(page.get_by_text("Signed in as")).to_be_visible()
            expect(page.get_by_text("Alice (demo reviewer)")).to_be_visible()

            # A stolen-looking cookie with a made-up token signs no one in.
            other = browser.new_context()
            other.add_cookies([{**cookie, "value": "not-a-token-this-server-issued"}])
            stranger = other.new_page()
            stranger.goto(app_url)
            expect(stranger.get_by_role("button", name="Sign in")).to_be_visible()

            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
            # The old token is revoked on the server, whether or not the browser dropped it.
            replay = browser.new_context()
            replay.add_cookies([cookie])
            replayed = replay.new_page()
            replayed.goto(app_url)
            expect(replayed.get_by_role("button", name="Sign in")).to_be_visible()
            page.wait_for_function("!document.cookie.includes('reviewmap_session=')")
            page.reload()
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
            assert not [c for c in context.cookies() if c["name"] == "reviewmap_session"]
        finally:
            browser.close()
