"""Charting one study end to end in headless Chromium: the demo owner fills in the study's
characteristics, adds three findings (one under a new theme, one by keyboard), then opens the
evidence map. Screenshots land in test-output/screenshots/ (extract.png, evidence_map.png,
evidence_map_matrix.png).
"""

from __future__ import annotations

from typing import Any

import pytest

from review.demo import DEMO_DIR, DEMO_EXPORTS
from tests.app.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, STEP_TIMEOUT_MS, browser_sign_in
from tests.app.test_screening_browser import app_url  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not all((DEMO_DIR / name).is_file() for name, _ in DEMO_EXPORTS),
        reason="the demo exports are missing",
    ),
]
NEW_THEME = "Feedback arrives too late"


def choose(page: Any, label: str, *options: str) -> None:
    """Pick options in a Streamlit selectbox or multiselect by its label."""
    box = page.get_by_role("combobox", name=label)
    for option in options:
        box.click()
        box.press_sequentially(option)  # the list is long and virtual: filter it first
        page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def add_finding(page: Any, count: int, type_: str, levels: list[str], themes: list[str], quote: str, *,
                new_theme: str = "", keyboard: bool = False) -> None:
    """Fill in the finding form and submit it; wait until the list holds `count` findings."""
    from playwright.sync_api import expect

    form = page.get_by_test_id("stForm").filter(has_text="New finding")
    form.get_by_text(type_, exact=True).click()
    choose(page, "Levels", *levels)
    if themes:
        choose(page, "Themes", *themes)
    if new_theme:
        form.get_by_label("New theme").fill(new_theme)
    form.get_by_label("Verbatim quote").fill(quote)
    form.get_by_label("Page").fill("3")
    if keyboard:
        form.get_by_label("Verbatim quote").press("Control+Enter")
    else:
        form.get_by_role("button", name="Add finding").click()
    try:
        expect(page.get_by_text(f"Your findings of this study ({count})")).to_be_visible()
    except AssertionError:
        page.screenshot(path=SCREENSHOTS / "extract_failed.png", full_page=True)
        raise
    expect(page.get_by_text("Finding added.").first).to_be_visible()


def test_the_owner_charts_a_study_and_sees_it_on_the_map(app_url: str) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1500, "height": 2300}).new_page()
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.goto(app_url)
            browser_sign_in(page, "demo-owner", "owner-demo")
            page.get_by_role("link", name="Extract").click()
            expect(page.get_by_role("heading", name="Extract")).to_be_visible()

            characteristics = page.get_by_test_id("stForm").filter(has_text="Study characteristics")
            characteristics.get_by_label("Country").fill("Norway")
            characteristics.get_by_label("Participants").fill("312 clients, 24 therapists")
            choose(page, "Design", "qualitative")
            characteristics.get_by_role("button", name="Save characteristics").click()
            expect(page.get_by_text("Saved 3 characteristics.")).to_be_visible()

            add_finding(page, 1, "barrier", ["therapist"], [], "We get the scores after the session.",
                        new_theme=NEW_THEME)
            expect(page.get_by_text(f"New theme “{NEW_THEME}” added to the codebook.")).to_be_visible()
            add_finding(page, 2, "facilitator", ["organisation", "client"], [NEW_THEME], "IT fixed the delay.")
            add_finding(page, 3, "mechanism", ["client"], [NEW_THEME], "Clients saw their progress.", keyboard=True)
            page.screenshot(path=SCREENSHOTS / "extract.png", full_page=True)

            page.get_by_role("link", name="Evidence map").click()
            expect(page.get_by_role("heading", name="Evidence map")).to_be_visible()
            network = page.frame_locator("iframe[title='Evidence network']")
            expect(network.locator("canvas").first).to_be_visible()
            expect(network.get_by_text("Evidence map: ROM", exact=False).first).to_be_visible()
            page.wait_for_timeout(2500)  # let the physics settle before the picture
            page.screenshot(path=SCREENSHOTS / "evidence_map.png", full_page=True)
            page.get_by_text("Evidence-gap matrix", exact=True).click()
            expect(page.locator(".vega-embed").first).to_be_visible()
            page.wait_for_timeout(1000)
            page.screenshot(path=SCREENSHOTS / "evidence_map_matrix.png", full_page=True)
        finally:
            browser.close()
