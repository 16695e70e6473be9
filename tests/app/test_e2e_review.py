"""A whole small review in the browser, as a team does it, on a fresh installation.

The owner creates the administrator account at first start, signs in, creates a project, imports a
Scopus CSV and a PsycInfo RIS export (tests/data/e2e/), deduplicates (one pair merged by hand, one
marked not duplicates), adds two reviewers on "Protocol & team"; the reviewers, each in a browser
context of their own, screen blind (one cannot see the other's decision); the owner resolves the
conflict; a reviewer assesses the full texts and charts the included study; the owner exports the
evidence map and the PRISMA-ScR diagram, whose counts must be what the test did.

Screenshots of every step land in test-output/screenshots/e2e/NN-step.png (git-ignored).
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    SCREENSHOTS,
    STEP_TIMEOUT_MS,
    served_app,
)
from tests.app.test_extraction_browser import add_finding, choose

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

DATA = ROOT / "tests" / "data" / "e2e"
SCOPUS = DATA / "scopus_rom_e2e.csv"
PSYCINFO = DATA / "psycinfo_rom_e2e.ris"
SHOTS = SCREENSHOTS / "e2e"
VIEWPORT = {"width": 1400, "height": 1300}
EXPECT_DEFAULT_TIMEOUT_MS = 5_000

OWNER = ("lead", "lead-password-1", "Review lead")
REVIEWER_A = ("ayla", "ayla-password-1", "Ayla Reviewer")
REVIEWER_B = ("bruno", "bruno-password-1", "Bruno Reviewer")
PROJECT = "ROM pilot review"

# Records by the start of their title (the queue's order is the app's business, not the test's).
BOSWELL = "Implementing routine outcome monitoring"
LAMBERT_SHIMOKAWA = "Collecting client feedback"
SOLSTAD = "Patients' experiences with routine outcome"
LAMBERT_2018 = "Collecting and delivering progress feedback"  # the article and its conference copy
HOWARD = "Evaluation of psychotherapy"
TITLE_ABSTRACT = {
    REVIEWER_A[0]: {BOSWELL: "include", LAMBERT_SHIMOKAWA: "include", SOLSTAD: "exclude",
                    LAMBERT_2018: "exclude", HOWARD: "exclude"},
    REVIEWER_B[0]: {BOSWELL: "include", LAMBERT_SHIMOKAWA: "exclude", SOLSTAD: "exclude",
                    LAMBERT_2018: "exclude", HOWARD: "exclude"},
}  # fmt: skip
SCREENED = 6  # 8 records, less one merged automatically and one merged by the owner
A_NOTE = "Fits the concept: feedback collected in routine care"
FULL_TEXT_URL = "https://doi.org/10.1080/10503307.2013.817696"
FULL_TEXT_REASON = "Wrong concept"
NEW_THEME = "Time the measures take in session"

#: What the PRISMA-ScR diagram must count after the steps above.
EXPECTED_PRISMA = {
    "identified": {"total": 8, "by_source": {"APA PsycInfo": 4, "Scopus": 4}},
    "duplicates_removed": {"automatic": 1, "manual": 1},
    "screened": SCREENED,
    "excluded_screening": 4,
    "sought_for_retrieval": 2,
    "not_retrieved": 0,
    "assessed_full_text": 2,
    "excluded_full_text": {"total": 1, "by_reason": {FULL_TEXT_REASON: 1}},
    "included": 1,
    "awaiting_screening": 0,
    "awaiting_full_text": 0,
    "excluded_by_automation": 0,
}


def picture(page: Any, path: Path) -> None:
    """A screenshot of the whole page. Streamlit scrolls its main area inside the window, so a
    "full page" screenshot shows only the window: grow the window to the content for the picture."""
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')].map(e => e.scrollHeight))"
    )
    if height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 6000)})
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.screenshot(path=path, full_page=True, animations="disabled")  # transitions at their end
    if height > size["height"]:
        page.set_viewport_size(size)


class Shots:
    """Numbered full-page screenshots, one per step: 01-first-start.png, 02-…"""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):  # pictures of an earlier run
            old.unlink()
        self.folder = folder
        self.count = 0
        self.started = time.monotonic()
        self.pages: dict[str, Any] = {}

    def watch(self, who: str, page: Any) -> Any:
        """Remember `page`, to picture it if the test fails."""
        self.pages[who] = page
        return page

    def failed(self) -> None:
        for who, page in self.pages.items():
            try:
                picture(page, self.folder / f"failed-{who}.png")
            except Exception as error:  # the page may be gone with the failure
                print(f"no picture of {who}'s page: {error}")

    def take(self, page: Any, step: str) -> None:
        settled(page)
        self.count += 1
        picture(page, self.folder / f"{self.count:02d}-{step}.png")
        print(f"{time.monotonic() - self.started:6.1f} s  {self.count:02d}-{step}")  # shown with -s


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """`streamlit run app.py` on a fresh database (the app adds its demo project beside ours)."""
    with served_app(f"sqlite:///{tmp_path / 'review.db'}", tmp_path) as url:
        yield url


def new_page(browser: Any, url: str) -> Any:
    """A page in a browser context of its own: own cookies, own Streamlit session."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(url)
    return page


def settled(page: Any) -> None:
    """Wait until the app's run is over: the script no longer running (the attribute Streamlit's
    own browser tests wait on), no element left stale from the run before. Call it after waiting
    for something only the new run shows: right after a click the rerun may not have begun.
    (A page that is not the app, such as the exported map, is settled at once.)"""
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return !app || (app.getAttribute('data-test-script-state') === 'notRunning'
                            && !document.querySelector('[data-stale="true"]'));
        }"""
    )


def sign_in(page: Any, username: str, password: str) -> None:
    """Sign in on the sign-in page; wait until the app shows the signed-in pages."""
    expect(page.get_by_role("heading", name="Sign in to ReviewMap")).to_be_visible()
    settled(page)
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Your role here:")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in to ReviewMap")).to_have_count(0)
    settled(page)


def open_page(page: Any, link: str, heading: str) -> None:
    """Move to another page through the sidebar (a reload would start a new, signed-out session)."""
    target = page.get_by_role("link", name=link, exact=True)
    more = page.get_by_test_id("stSidebarNav").get_by_text(re.compile(r"^View \d+ more$"))
    if not target.is_visible() and more.is_visible():  # a long navigation folds its last pages
        more.click()
    target.click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    settled(page)


def button(page: Any, label: str) -> Any:
    """A button by its label (its accessible name goes on with the keyboard shortcut, "Merge M")."""
    return page.get_by_role("button", name=re.compile(rf"^{re.escape(label)}\b"))


def pick(page: Any, label: str, option: str) -> None:
    """Choose `option` in the selectbox labelled `label` (no Escape afterwards, unlike `choose`:
    in a selectbox that may be empty, Escape clears the choice)."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.press_sequentially(option)
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)


def metric(page: Any, label: str) -> Any:
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def card_record(page: Any) -> tuple[int, str]:
    """The record on a screening card: its id (from the caption under it) and its title."""
    caption = page.get_by_text(re.compile(r"^record \d+")).first.inner_text()
    return int(caption.split()[1]), page.locator(".rm-title").first.inner_text()


def planned(title: str, decisions: dict[str, str]) -> tuple[str, str]:
    """(title start, decision) of the one planned decision for the record titled `title`."""
    matches = [(start, decision) for start, decision in decisions.items() if title.startswith(start)]
    assert len(matches) == 1, f"no single decision planned for {title!r}"
    return matches[0]


def decide(page: Any, decision: str, done: int, left: int, *, empty_text: str) -> int:
    """Press Include or Exclude on the card shown; wait until the app shows the next card (or
    `empty_text` when `left` is 0). Returns the decided record's id."""
    record, _ = card_record(page)
    button(page, decision.capitalize()).click()
    expect(page.get_by_text(f"Saved: {decision} (record {record})")).to_be_visible()
    expect(page.get_by_text(f"You decided {done};")).to_be_visible()
    settled(page)
    if left:
        # The rerun draws the message first: wait until the next card has replaced this one.
        expect(page.get_by_text(re.compile(r"^record \d+")).first).not_to_have_text(
            re.compile(rf"^record {record}\b")
        )
    else:
        expect(page.get_by_text(empty_text)).to_be_visible()
    return record


def screen_queue(page: Any, decisions: dict[str, str], note_on: str = "") -> dict[str, int]:
    """Decide every record of the title/abstract queue as `decisions` says, leaving a decision
    note on the record titled `note_on`; returns {title start: record id}."""
    open_page(page, "Screen", "Screen titles and abstracts")
    records: dict[str, int] = {}
    for done in range(1, SCREENED + 1):
        record, title = card_record(page)
        start, decision = planned(title, decisions)
        if start == note_on:
            page.get_by_text("Reason and note (optional)", exact=True).click()
            page.locator("input[aria-label='Note on this decision']").fill(A_NOTE)  # the decision's note, not the record's
        records[start] = record
        decide(page, decision, done, SCREENED - done, empty_text="Your queue is empty")
    return records


def download(page: Any, label: str, folder: Path) -> bytes:
    """Click a download button; the bytes the browser saved (into `folder`)."""
    with page.expect_download() as info:
        page.get_by_role("button", name=label, exact=True).click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes()


def svg_text(svg: bytes) -> str:
    """Every text of an SVG, joined by spaces, no-break spaces as spaces."""
    root = ElementTree.fromstring(svg)
    return " ".join(
        " ".join("".join(node.itertext()) for node in root.iter() if node.tag.endswith("text")).split()
    )


# -- the steps, in the order a team takes them ----------------------------------------------------


def first_start(owner: Any, shots: Shots) -> None:
    """The owner creates the installation's administrator account, signs out and signs in again."""
    expect(owner.get_by_text("This installation has no administrator yet.")).to_be_visible()
    owner.get_by_role("link", name="Create the administrator account").click()
    expect(owner.get_by_role("heading", name="Welcome to ReviewMap")).to_be_visible()
    owner.get_by_label("User name").fill(OWNER[0])
    owner.get_by_label("Display name").fill(OWNER[2])
    owner.get_by_label("Password", exact=True).fill(OWNER[1])
    owner.get_by_label("Password again").fill(OWNER[1])
    shots.take(owner, "first-start")
    owner.get_by_role("button", name="Create account and sign in").click()
    expect(owner.get_by_text("Your role here: owner")).to_be_visible()
    expect(owner.get_by_text(f"Signed in as {OWNER[2]}")).to_be_visible()
    owner.get_by_role("button", name="Sign out").click()
    expect(owner.get_by_text("Your role here:")).to_have_count(0)
    sign_in(owner, *OWNER[:2])
    expect(owner.get_by_text("This installation has no administrator yet.")).to_have_count(0)
    shots.take(owner, "signed-in")


def create_project(owner: Any, shots: Shots) -> None:
    """A new project: its creator is its owner, and it becomes the current project."""
    open_page(owner, "Projects", "Projects")
    main = owner.get_by_test_id("stMain")
    main.get_by_label("Name").fill(PROJECT)
    main.get_by_label("Description").fill("Implementation of ROM: a small pilot of the scoping review.")
    main.get_by_role("button", name="Create project").click()
    expect(owner.get_by_text(f"Created project {PROJECT}.")).to_be_visible()
    expect(owner.get_by_text(f"Current project: {PROJECT}.")).to_be_visible()
    expect(owner.get_by_role("combobox", name="Project")).to_have_value(PROJECT)
    shots.take(owner, "project-created")


def import_exports(owner: Any, shots: Shots) -> None:
    """Two exports from two databases, checked side by side, then stored together."""
    open_page(owner, "Import", "Import records")
    expect(owner.get_by_text(f"Into project {PROJECT}.")).to_be_visible()
    owner.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([SCOPUS, PSYCINFO])
    expect(owner.get_by_text("Detected format: CSV/TSV table · 4 records")).to_be_visible()
    expect(owner.get_by_text("Detected format: RIS · 4 records")).to_be_visible()
    expect(owner.get_by_label("Source database").first).to_have_value("Scopus")
    expect(owner.get_by_label("Source database").last).to_have_value("APA PsycInfo")
    shots.take(owner, "import-preview")
    owner.get_by_role("button", name="Import 8 records").click()
    expect(owner.get_by_text(f"imported 4 records from {SCOPUS.name} (csv)")).to_be_visible()
    expect(owner.get_by_text(f"imported 4 records from {PSYCINFO.name} (ris)")).to_be_visible()
    shots.take(owner, "imported")


def deduplicate(owner: Any, shots: Shots) -> None:
    """The run merges the sure pair; of the two pairs it leaves for a person (in the app's order),
    the same paper with two digits of its DOI swapped is merged, and the 2018 meta-analysis
    against its conference abstract (another report) is marked not duplicates."""
    open_page(owner, "Deduplicate", "Deduplicate")
    expect(owner.get_by_text("Not run yet.")).to_be_visible()
    owner.get_by_role("button", name="Find duplicates").click()
    expect(owner.get_by_text(re.compile(r"1 merged automatically, 2 new pairs for review"))).to_be_visible()
    pair = owner.locator("table.rm-pair")
    decided: list[str] = []
    for waiting in (2, 1):
        expect(metric(owner, "Pairs waiting")).to_have_text(str(waiting))
        settled(owner)
        for title in decided:  # the rerun has replaced the pair just decided
            expect(pair).not_to_contain_text(title)
        if LAMBERT_SHIMOKAWA in pair.inner_text():
            expect(pair).to_contain_text("10.1037/a0022283")
            expect(owner.get_by_text("the DOIs differ")).to_be_visible()
            # The DOI stands out; a trailing full stop or "Lambert, MJ" for "Lambert M.J." does not.
            flagged = pair.locator("tr.rm-differs td.rm-name").all_inner_texts()
            assert "DOI" in flagged and not {"Title", "Authors", "Language"} & set(flagged), flagged
            shots.take(owner, "dedup-pair-doi")
            button(owner, "Merge").click()
            expect(owner.get_by_text("Merged: the records are now one group")).to_be_visible()
            decided.append(LAMBERT_SHIMOKAWA)
        else:
            expect(pair).to_contain_text(LAMBERT_2018)
            reason = "a conference abstract or paper against a full publication"
            expect(owner.get_by_text(reason)).to_be_visible()
            shots.take(owner, "dedup-pair-conference")
            button(owner, "Not duplicates").click()
            expect(owner.get_by_text("Marked as not duplicates")).to_be_visible()
            decided.append(LAMBERT_2018)
    assert sorted(decided) == sorted([LAMBERT_SHIMOKAWA, LAMBERT_2018])
    expect(owner.get_by_text("No pair is waiting")).to_be_visible()
    expect(metric(owner, "Merged automatically")).to_have_text("1")
    expect(metric(owner, "Merged by a person")).to_have_text("1")
    expect(owner.get_by_text(f"{SCREENED} records remain once duplicates are set aside.")).to_be_visible()
    expect(owner.get_by_text("2 groups; page 1 of 1.")).to_be_visible()
    shots.take(owner, "dedup-done")


def protocol_and_team(owner: Any, shots: Shots) -> None:
    """One reviewer per record at full text; two reviewer accounts created and added."""
    open_page(owner, "Protocol & team", "Protocol & team")
    owner.get_by_role("spinbutton", name="Reviewers per record at full text").fill("1")
    owner.get_by_role("button", name="Save protocol").click()
    expect(owner.get_by_text("Saved: reviewers per record at full text.")).to_be_visible()
    settled(owner)
    for username, password, display in (REVIEWER_A, REVIEWER_B):
        account_form = owner.get_by_test_id("stForm").filter(has_text="Create a user account")
        account_form.get_by_label("User name").fill(username)
        account_form.get_by_label("Display name").fill(display)
        account_form.get_by_label("Password", exact=True).fill(password)
        account_form.get_by_role("button", name="Create account").click()
        expect(
            owner.get_by_text(f"Created the account {username}; add it to the project below.")
        ).to_be_visible()
        settled(owner)  # the list of accounts below now holds the new one
        pick(owner, "User", username)
        expect(owner.get_by_role("combobox", name="Role")).to_have_value("reviewer")
        owner.get_by_role("button", name="Add or change").click()
        expect(owner.get_by_text(f"{username} is now reviewer of this project.")).to_be_visible()
    shots.take(owner, "team")


def screen_first(reviewer_a: Any, shots: Shots) -> dict[str, int]:
    """Reviewer A screens every record, with a note on the one she includes and B will exclude."""
    sign_in(reviewer_a, *REVIEWER_A[:2])
    expect(reviewer_a.get_by_role("combobox", name="Project")).to_have_value(PROJECT)
    expect(reviewer_a.get_by_role("link", name="Deduplicate")).to_have_count(0)
    records = screen_queue(reviewer_a, TITLE_ABSTRACT[REVIEWER_A[0]], note_on=LAMBERT_SHIMOKAWA)
    assert len(set(records.values())) == len(records) == 5, records
    shots.take(reviewer_a, "screen-a-done")
    return records


def screen_blind(reviewer_b: Any, records: dict[str, int], shots: Shots) -> None:
    """Reviewer B, after A decided everything, sees nothing of her decisions, note or name."""
    sign_in(reviewer_b, *REVIEWER_B[:2])
    open_page(reviewer_b, "Screen", "Screen titles and abstracts")
    reviewer_b.get_by_text("Progress in detail", exact=True).click()
    expect(reviewer_b.get_by_text("My progress")).to_be_visible()
    expect(metric(reviewer_b, "In my queue")).to_have_text(str(SCREENED))  # A's decisions took none
    expect(metric(reviewer_b, "Complete")).to_have_text("0")
    for hidden in ("Conflicts open", "Included", "Excluded"):  # what the owner's progress shows
        expect(reviewer_b.get_by_text(hidden, exact=True)).to_have_count(0)
    expect(reviewer_b.get_by_role("link", name="Conflicts")).to_have_count(0)
    reviewer_b.get_by_text("Progress in detail", exact=True).click()
    seen: dict[str, int] = {}
    for done in range(1, SCREENED + 1):
        record, title = card_record(reviewer_b)
        if title.startswith(LAMBERT_SHIMOKAWA):  # A included it, with a note
            body = reviewer_b.locator("body").inner_text()
            assert A_NOTE not in body, "B sees A's note"
            assert REVIEWER_A[0] not in body.lower() and REVIEWER_A[2] not in body, "B sees A's name"
            shots.take(reviewer_b, "screen-b-blind")
        start, decision = planned(title, TITLE_ABSTRACT[REVIEWER_B[0]])
        seen[start] = record
        decide(reviewer_b, decision, done, SCREENED - done, empty_text="Your queue is empty")
    assert seen == records, "both reviewers screened the same records"
    expect(reviewer_b.get_by_text("Conflicts open")).to_have_count(0)
    shots.take(reviewer_b, "screen-b-done")
    open_page(reviewer_b, "Agreement", "Agreement")
    expect(reviewer_b.get_by_text("agreement between reviewers is for the owner")).to_be_visible()
    assert REVIEWER_A[0] not in reviewer_b.locator("body").inner_text().lower()


def resolve_conflict(owner: Any, record_id: int, shots: Shots) -> None:
    """The owner sees the one conflict, blind (Reviewer A, B), and includes the record."""
    open_page(owner, "Conflicts", "Conflicts")
    expect(owner.get_by_text("1 open conflict at title/abstract.")).to_be_visible()
    expect(owner.get_by_text("Blinding is on")).to_be_visible()
    expect(owner.get_by_text(LAMBERT_SHIMOKAWA, exact=True)).to_be_visible()
    caption = re.compile(rf"^record {record_id} · .* · the reviewers disagree$")
    expect(owner.get_by_text(caption)).to_be_visible()
    shots.take(owner, "conflict")
    owner.get_by_test_id("stButtonGroup").get_by_text("Include", exact=True).click()
    settled(owner)
    owner.get_by_role("button", name="Resolve").click()
    expect(owner.get_by_text(f"Resolved record {record_id}: include.")).to_be_visible()
    expect(owner.get_by_text("0 open conflicts at title/abstract.")).to_be_visible()
    shots.take(owner, "conflict-resolved")


def assess_full_texts(reviewer_a: Any, shots: Shots) -> None:
    """One reviewer per record at full text (the protocol says so now): A attaches the link to
    one article and includes it, and excludes the other with a reason."""
    open_page(reviewer_a, "Full text", "Full text")
    for done in (1, 2):
        _, title = card_record(reviewer_a)
        if title.startswith(BOSWELL):
            reviewer_a.get_by_role("tab", name="Attach a link").click()
            reviewer_a.get_by_label("Web address").fill(FULL_TEXT_URL)
            reviewer_a.get_by_role("button", name="Attach link").click()
            expect(reviewer_a.get_by_text("Attached the link.")).to_be_visible()
            settled(reviewer_a)
            full_text = reviewer_a.get_by_role("link", name="Open the full text")
            expect(full_text).to_have_attribute("href", FULL_TEXT_URL)
            shots.take(reviewer_a, "full-text")
            decision = "include"
        else:
            assert title.startswith(LAMBERT_SHIMOKAWA), title
            pick(reviewer_a, "Reason (required to exclude)", FULL_TEXT_REASON)
            decision = "exclude"
        decide(reviewer_a, decision, done, 2 - done, empty_text="Nothing waits for you at full text")
    shots.take(reviewer_a, "full-text-done")


def chart_study(reviewer_a: Any, shots: Shots) -> None:
    """A charts the one included study: three characteristics, a finding under a new theme."""
    open_page(reviewer_a, "Extract", "Extract")
    study = reviewer_a.get_by_role("combobox", name="Study (1 to chart)")
    expect(study).to_have_value(re.compile(re.escape(BOSWELL)))
    characteristics = reviewer_a.get_by_test_id("stForm").filter(has_text="Study characteristics")
    characteristics.get_by_label("Country").fill("USA")
    characteristics.get_by_label("Participants").fill("clinicians and services using ROM")
    choose(reviewer_a, "Design", "review")
    characteristics.get_by_role("button", name="Save characteristics").click()
    expect(reviewer_a.get_by_text("Saved 3 characteristics.")).to_be_visible()
    settled(reviewer_a)
    quote = "Clinicians see the measures as taking time from the session."
    add_finding(reviewer_a, 1, "barrier", ["therapist", "organisation"], [], quote, new_theme=NEW_THEME)
    expect(reviewer_a.get_by_text(f"New theme “{NEW_THEME}” added to the codebook.")).to_be_visible()
    shots.take(reviewer_a, "extract")


def export_map(owner: Any, browser: Any, folder: Path, shots: Shots) -> None:
    """The owner's evidence map, downloaded as one HTML file that then opens with no network."""
    open_page(owner, "Evidence map", "Evidence map")
    expect(owner.get_by_text("1 study, 1 finding (of 1 studies, 1 findings)")).to_be_visible()
    network = owner.frame_locator("iframe[title='Evidence network']")
    expect(network.locator("canvas").first).to_be_visible()
    owner.wait_for_timeout(1500)  # let the physics settle before the picture
    shots.take(owner, "evidence-map")
    html = download(owner, "Network (HTML, offline)", folder).decode("utf-8")
    assert f"Evidence map: {PROJECT}" in html
    assert NEW_THEME in html and "Boswell et al. 2015" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?:", html), "the map loads nothing"
    offline = browser.new_context(viewport=VIEWPORT)
    offline.set_offline(True)
    try:
        exported = offline.new_page()
        exported.goto((folder / "evidence_map.html").as_uri())
        exported.wait_for_selector("body[data-map-ready]", timeout=STEP_TIMEOUT_MS)
        expect(exported.locator("#map-network canvas")).to_have_count(1)
        expect(exported.locator("#map-legend")).to_contain_text("barrier")
        shots.take(exported, "evidence-map-exported")
    finally:
        offline.close()


def export_prisma(owner: Any, folder: Path, shots: Shots) -> None:
    """The PRISMA-ScR diagram, downloaded as JSON, SVG and PNG, counts exactly what was done."""
    open_page(owner, "PRISMA", "PRISMA-ScR flow diagram")
    expect(owner.get_by_test_id("stImage").locator("img")).to_be_visible()
    shots.take(owner, "prisma")
    assert json.loads(download(owner, "JSON", folder)) == EXPECTED_PRISMA
    text = svg_text(download(owner, "SVG", folder))
    for line in (
        "Records identified from databases (n = 8)", "APA PsycInfo (n = 4)", "Scopus (n = 4)",
        "Duplicate records removed automatically (n = 1)", "Duplicate records removed by a reviewer (n = 1)",
        "Records screened (n = 6)", "Records excluded (n = 4)", "Reports sought for retrieval (n = 2)",
        "Reports not retrieved (n = 0)", "Reports assessed for eligibility (n = 2)", "Reports excluded (n = 1)",
        f"{FULL_TEXT_REASON} (n = 1)", "Studies included in review (n = 1)",
    ):  # fmt: skip
        assert line in text, f"{line!r} is not in the diagram: {text}"
    assert "awaiting" not in text, "nothing is left waiting"
    png = download(owner, "PNG", folder)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    stem = "prisma-rom-pilot-review"
    assert sorted(path.name for path in folder.glob("prisma-*")) == [
        f"{stem}.json",
        f"{stem}.png",
        f"{stem}.svg",
    ]


def test_a_whole_review_from_first_start_to_the_exported_map(app_url: str, tmp_path: Path) -> None:
    shots = Shots(SHOTS)
    # Every wait is for a rerun of the app, which a loaded machine makes slow: wait as long as a
    # step may take (Playwright's default for expect is 5 s), and restore the default afterwards.
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            owner = shots.watch("owner", new_page(browser, app_url))
            first_start(owner, shots)
            create_project(owner, shots)
            import_exports(owner, shots)
            deduplicate(owner, shots)
            protocol_and_team(owner, shots)
            # Each reviewer in a browser context of their own: own cookies, own Streamlit session.
            reviewer_a = shots.watch("reviewer-a", new_page(browser, app_url))
            records = screen_first(reviewer_a, shots)
            reviewer_b = shots.watch("reviewer-b", new_page(browser, app_url))
            screen_blind(reviewer_b, records, shots)
            resolve_conflict(owner, records[LAMBERT_SHIMOKAWA], shots)
            assess_full_texts(reviewer_a, shots)
            chart_study(reviewer_a, shots)
            export_map(owner, browser, tmp_path, shots)
            export_prisma(owner, tmp_path, shots)
        except BaseException:
            shots.failed()
            raise
        finally:
            browser.close()
            expect.set_options(timeout=EXPECT_DEFAULT_TIMEOUT_MS)
    assert len(list(SHOTS.glob("[0-9]*.png"))) == shots.count == 20
