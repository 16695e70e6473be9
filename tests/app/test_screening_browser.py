"""Blind dual screening in headless Chromium: alice and bob, in two separate browser contexts,
screen the same first records of the demo; alice never sees bob's decision; the owner sees the
conflict (without names) and resolves it. Screenshots land in test-output/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review.demo import DEMO_DIR, DEMO_EXPORTS
from tests.app.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    STEP_TIMEOUT_MS,
    browser_sign_in,
    served_app,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not all((DEMO_DIR / name).is_file() for name, _ in DEMO_EXPORTS),
        reason="the demo exports are missing",
    ),
]
RECORDS = 3
"""alice includes the first three records; bob excludes the first and includes the other two."""


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """`streamlit run app.py` on a fresh database: the app builds the demo and its team."""
    with served_app(f"sqlite:///{tmp_path / 'review.db'}", tmp_path) as url:
        yield url


def open_screening(browser: Any, url: str, username: str, password: str) -> Any:
    """A page in a browser context of its own (own cookies, own Streamlit session)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(url)
    browser_sign_in(page, username, password)
    page.get_by_role("link", name="Screen").click()
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name="Screen titles and abstracts")).to_be_visible()
    return page


def current_record(page: Any) -> int:
    caption = page.get_by_text(re.compile(r"^record \d+")).first.inner_text()
    return int(caption.split()[1])


def decide(page: Any, decision: str, *, keyboard: bool) -> int:
    from playwright.sync_api import expect

    record = current_record(page)
    if keyboard:
        page.get_by_role("heading", name="Screen titles and abstracts").click()  # focus off any input
        page.keyboard.press(decision[0])
    else:
        page.get_by_role("button", name=decision.capitalize()).click()
    expect(page.get_by_text(f"Saved: {decision} (record {record})")).to_be_visible()
    # The rerun draws the message first: wait until the next record has replaced the decided one.
    expect(page.get_by_text(re.compile(r"^record \d+")).first).not_to_have_text(
        re.compile(rf"^record {record}\b"), timeout=STEP_TIMEOUT_MS
    )
    return record


def test_two_blind_reviewers_then_the_owner_resolves_the_conflict(app_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            alice = open_screening(browser, app_url, "alice", "alice-demo")
            bob = open_screening(browser, app_url, "bob", "bob-demo")
            expect(alice.get_by_text("Calibration pilot")).to_be_visible()
            assert current_record(alice) == current_record(bob), "the pilot shows everyone the same records"
            alice.screenshot(path=SCREENSHOTS / "screen_alice.png", full_page=True)

            alice_records = [decide(alice, "include", keyboard=True) for _ in range(RECORDS)]
            bob_records = [decide(bob, "exclude", keyboard=False)]
            bob_records += [decide(bob, "include", keyboard=True) for _ in range(RECORDS - 1)]
            assert alice_records == bob_records
            bob.screenshot(path=SCREENSHOTS / "screen_bob.png", full_page=True)

            # Alice, after bob decided: nothing on her pages tells what bob did.
            # (A reload would start a new Streamlit session, signed out: move between pages instead.)
            alice.get_by_role("link", name="Records").click()
            expect(alice.get_by_role("heading", name="Records")).to_be_visible()
            alice.get_by_role("link", name="Screen").click()
            expect(alice.get_by_role("heading", name="Screen titles and abstracts")).to_be_visible()
            alice.get_by_text("Progress in detail", exact=True).click()
            expect(alice.get_by_text("My progress")).to_be_visible()
            expect(alice.get_by_text("Decided", exact=True)).to_be_visible()
            expect(alice.get_by_text("Conflicts open")).to_have_count(0)
            expect(alice.get_by_role("link", name="Conflicts")).to_have_count(0)
            alice.get_by_role("link", name="Agreement").click()
            expect(alice.get_by_text("agreement between reviewers is for the owner")).to_be_visible()
            for page in (alice,):
                body = page.locator("body").inner_text()
                assert "bob" not in body.lower(), "alice's pages never name bob"
                assert "exclude" not in body.lower().replace("exclude when", "")
            alice.screenshot(path=SCREENSHOTS / "screen_alice_after_bob.png", full_page=True)

            owner_context = browser.new_context(viewport={"width": 1400, "height": 1300})
            owner = owner_context.new_page()
            owner.set_default_timeout(STEP_TIMEOUT_MS)
            owner.goto(app_url)
            browser_sign_in(owner, "demo-owner", "owner-demo")
            owner.get_by_role("link", name="Conflicts").click()
            expect(owner.get_by_text("1 open conflict at title/abstract.")).to_be_visible()
            expect(owner.get_by_text("Blinding is on")).to_be_visible()
            owner.wait_for_timeout(500)  # let the decisions table draw
            owner.screenshot(path=SCREENSHOTS / "conflicts_owner.png", full_page=True)

            owner.get_by_test_id("stButtonGroup").get_by_text("Include", exact=True).click()
            owner.get_by_role("button", name="Resolve").click()
            expect(owner.get_by_text(f"Resolved record {alice_records[0]}: include.")).to_be_visible()
            expect(owner.get_by_text("0 open conflicts at title/abstract.")).to_be_visible()
            owner.screenshot(path=SCREENSHOTS / "conflicts_resolved.png", full_page=True)

            owner.get_by_role("link", name="Agreement").click()
            expect(owner.get_by_role("heading", name="Reviewer pairs")).to_be_visible()
            owner.wait_for_timeout(800)
            owner.screenshot(path=SCREENSHOTS / "agreement_owner.png", full_page=True)
            owner.get_by_role("link", name="PRISMA").click()
            expect(owner.get_by_role("heading", name="PRISMA-ScR flow diagram")).to_be_visible()
            owner.wait_for_timeout(800)
            owner.screenshot(path=SCREENSHOTS / "prisma.png", full_page=True)
            owner.get_by_role("link", name="Protocol & team").click()
            expect(owner.get_by_role("heading", name="Team", exact=True)).to_be_visible()
            owner.wait_for_timeout(500)
            owner.screenshot(path=SCREENSHOTS / "protocol_team.png", full_page=True)
        finally:
            browser.close()
