"""The running app in headless Chromium: `streamlit run app.py`, upload an export, import it.

Screenshots land in test-output/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
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
SCOPUS_RIS = ROOT / "tests" / "data" / "formats" / "ris_csv_asreview_test_exports" / "scopus.ris"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
START_TIMEOUT_S = 60
STEP_TIMEOUT_MS = 30_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def browser_sign_in(page: Any, username: str, password: str) -> None:
    """Sign in on the sign-in page the app shows first (`page` is a Playwright page)."""
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name="Sign in to ReviewMap")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Your role here:")).to_be_visible()


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer within {START_TIMEOUT_S} s:\n{log.read_text()}")


@contextmanager
def served_app(database: str, folder: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port against `database`; always stopped afterwards.

    Skips (with the reason) where Debian's chromium is absent; CI installs it.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (install Debian's chromium; CI does)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "streamlit.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.headless", "true",
                "--server.port", str(port),
                "--server.address", "127.0.0.1",
                "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT,
            env={**os.environ, "REVIEW_DATABASE_URL": database},
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """The app on a throwaway database (it builds the demo project and its team)."""
    with served_app(f"sqlite:///{tmp_path / 'review.db'}", tmp_path) as url:
        yield url


def test_upload_and_import_a_ris_export(app_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.goto(app_url)
            browser_sign_in(page, "demo-owner", "owner-demo")
            expect(page.get_by_role("heading", name="Records")).to_be_visible()
            expect(page.get_by_text("records 1–")).to_be_visible()
            expect(page.get_by_test_id("stDataFrame").locator("canvas").first).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "records.png")

            page.get_by_role("link", name="Import").click()
            expect(page.get_by_role("heading", name="Import records")).to_be_visible()
            page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(SCOPUS_RIS)
            expect(page.get_by_text("Detected format: RIS")).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "import_preview.png")

            page.get_by_role("button", name="Import 6 records").click()
            expect(page.get_by_text("imported 6 records from scopus.ris (ris)")).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "import_done.png")
        finally:
            browser.close()
