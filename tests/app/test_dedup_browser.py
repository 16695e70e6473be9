"""The Deduplicate page in headless Chromium: run, see a pair side by side, merge it with the
keyboard shortcut. Screenshots land in test-output/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from review.demo import DEMO_DIR, DEMO_EXPORTS, DEMO_PROJECT, ensure_demo_project
from review.records.model import Record
from review.store.engine import make_engine, session_scope
from review.store.migrate import upgrade
from review.store.projects import find_project
from tests.app.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    STEP_TIMEOUT_MS,
    browser_sign_in,
    served_app,
)
from tests.records.dedup.db_builders import add_source

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not all((DEMO_DIR / name).is_file() for name, _ in DEMO_EXPORTS),
        reason="the demo exports are missing",
    ),
]

#: The Lambert et al. (2018) meta-analysis as a conference abstract two years on (a blocker: it
#: waits for a person), its journal field carrying markup that must show as text.
CONFERENCE_COPY = Record(
    title="Collecting and delivering progress feedback: a meta-analysis of routine outcome monitoring",
    authors=["Lambert, Michael J.", "Whipple, Jason L.", "Kleinstäuber, Maria"],
    year=2020,
    journal="Psychotherapy <script>alert('x')</script>",
    volume="55",
    issue="4",
    pages="520-537",
    doi="10.1037/pst0000167",
    publication_type="Conference Abstract",
)


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """The demo project plus a third export with a doubtful copy, served by `streamlit run`."""
    if not CHROMIUM.exists():  # before building the demo
        pytest.skip(f"{CHROMIUM} is absent (install Debian's chromium; CI does)")
    database = f"sqlite:///{tmp_path / 'review.db'}"
    engine = make_engine(database)
    upgrade(engine)
    ensure_demo_project(engine)
    with session_scope(engine) as session:
        demo = find_project(session, DEMO_PROJECT)
        assert demo is not None
        demo_id = demo.id
    add_source(engine, demo_id, "Embase", [CONFERENCE_COPY])
    engine.dispose()

    with served_app(database, tmp_path) as url:
        yield url


def test_run_review_a_pair_side_by_side_and_merge_it_with_the_keyboard(app_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.goto(app_url)
            browser_sign_in(page, "demo-owner", "owner-demo")
            page.get_by_role("link", name="Deduplicate").click()
            expect(page.get_by_role("heading", name="Deduplicate")).to_be_visible(timeout=STEP_TIMEOUT_MS)
            # The demo was deduplicated when it was built; the Embase copy came in after.
            expect(page.get_by_text("Last run")).to_be_visible()

            page.get_by_role("button", name="Find duplicates").click()
            expect(page.get_by_text("Compared 1 new record")).to_be_visible()
            comparison = page.locator("table.rm-pair")
            expect(comparison).to_be_visible()
            expect(comparison).to_contain_text("<script>alert('x')</script>")
            page.wait_for_timeout(500)  # let the field-score table draw
            page.screenshot(path=SCREENSHOTS / "dedup_review.png", full_page=True)

            page.get_by_text("Thresholds", exact=True).click()
            expect(page.get_by_role("button", name="Save thresholds")).to_be_visible()
            page.wait_for_timeout(300)
            page.screenshot(path=SCREENSHOTS / "dedup_thresholds.png", full_page=True)
            page.get_by_text("Thresholds", exact=True).click()

            page.get_by_role("heading", name="Deduplicate").click()
            page.keyboard.press("m")
            expect(page.get_by_text("Merged: the records are now one group")).to_be_visible()
            expect(page.get_by_text("No pair is waiting")).to_be_visible()

            group = page.locator("[data-testid='stExpander']").filter(
                has_text="3 records, merged by a person"
            )
            group.locator("summary").click()
            expect(page.get_by_role("button", name="Undo this merge").first).to_be_visible()
            page.wait_for_timeout(500)
            page.screenshot(path=SCREENSHOTS / "dedup_merged.png", full_page=True)
        finally:
            browser.close()
