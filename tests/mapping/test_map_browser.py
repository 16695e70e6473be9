"""The exported map in headless Chromium with the network switched off.

Opens the standalone HTML from a file:// URL; every request that is not file:// is aborted and
recorded. Screenshots land in test-output/screenshots/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from review.mapping.bundle import conference_bundle
from review.mapping.fixtures import generate_findings
from review.mapping.graph import build_graph
from review.mapping.render import render_html
from tests.mapping.helpers import XSS_QUOTE, XSS_TITLE, xss_findings

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
TIMEOUT_MS = 60_000
TITLE = "Routine outcome monitoring: barriers, facilitators and mechanisms"


@dataclass
class Watch:
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def open_offline(browser, path: Path, watch: Watch, viewport: tuple[int, int] = (1600, 900)):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.set_offline(True)

    def route(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            watch.external_requests.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and watch.console_errors.append(message.text))
    page.on("pageerror", lambda error: watch.console_errors.append(str(error)))

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "request",
        lambda request: request.url.startswith("file://") or watch.external_requests.append(request.url),
    )
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-map-ready]", timeout=TIMEOUT_MS)
    return context, page


def click_node(page, node_id: str) -> None:  # type: ignore[no-untyped-def]
    point = page.evaluate(
        """(id) => {
            const net = window.reviewMapNetwork;
            const dom = net.canvasToDOM(net.getPositions([id])[id]);
            const box = document.getElementById('map-network').getBoundingClientRect();
            return {x: box.left + dom.x, y: box.top + dom.y};
        }""",
        node_id,
    )
    page.mouse.click(point["x"], point["y"])


def assert_clean(watch: Watch, page) -> None:  # type: ignore[no-untyped-def]
    assert watch.console_errors == []
    assert watch.external_requests == []
    assert watch.dialogs == []
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_the_network_renders_offline_with_legend_and_details(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "map.html"
    path.write_text(render_html(build_graph(generate_findings(60)), title=TITLE), encoding="utf-8")
    watch = Watch()
    context, page = open_offline(browser, path, watch)
    try:
        assert page.locator("#map-network canvas").count() == 1
        canvas = page.locator("#map-network canvas").bounding_box()
        assert canvas and canvas["width"] > 600 and canvas["height"] > 400
        legend = page.locator("#map-legend")
        assert legend.is_visible()
        assert {"barrier", "facilitator", "mechanism"} <= set(legend.inner_text().split())
        legend.locator("summary").click()  # the reader folds the legend away, and opens it again
        assert not legend.locator("li").first.is_visible()
        legend.locator("summary").click()
        assert legend.locator("li").first.is_visible()
        click_node(page, "theme:time burden")
        details = page.locator("#map-details")
        assert details.locator("h2").inner_text() == "time burden"
        assert details.locator(".map-quote").count() > 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "map_network.png"))
        page.locator("#map-min-weight").fill("3")
        hidden = page.evaluate("window.reviewMapNetwork.body.data.edges.get().filter(e => e.hidden).length")
        assert hidden > 0
        page.click("#map-conference")
        page.wait_for_timeout(400)
        assert page.evaluate("document.body.classList.contains('conference')")
        page.screenshot(path=str(SCREENSHOTS / "map_network_conference.png"))
        assert_clean(watch, page)
    finally:
        context.close()


def test_script_in_titles_and_quotes_renders_as_text(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "xss.html"
    path.write_text(
        render_html(build_graph(xss_findings(), include_studies=True), title=XSS_TITLE), encoding="utf-8"
    )
    watch = Watch()
    context, page = open_offline(browser, path, watch)
    try:
        assert page.locator("h1").inner_text() == XSS_TITLE
        click_node(page, f"theme:{XSS_TITLE}")
        details = page.locator("#map-details")
        assert details.locator("h2").inner_text() == XSS_TITLE
        text = details.inner_text()
        assert XSS_QUOTE in text and XSS_TITLE in text
        assert details.locator("img, script, b").count() == 0
        click_node(page, f"level:{XSS_QUOTE}")
        assert details.locator("h2").inner_text() == XSS_QUOTE
        # Hover a node: the tooltip is built from text too.
        point = page.evaluate(
            """(id) => {const net = window.reviewMapNetwork; const d = net.canvasToDOM(net.getPositions([id])[id]);
                const b = document.getElementById('map-network').getBoundingClientRect(); return {x: b.left + d.x, y: b.top + d.y};}""",
            "study:1",
        )
        page.mouse.move(point["x"], point["y"])
        page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5_000)
        tooltip = page.locator("div.vis-tooltip")
        assert XSS_TITLE in tooltip.inner_text()
        assert tooltip.locator("img").count() == 0
        page.wait_for_timeout(300)
        assert page.locator("img").count() == 0
        assert_clean(watch, page)
    finally:
        context.close()


def test_the_conference_bundle_shows_the_matrix_offline(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    prisma = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="80"><rect width="300" height="80" fill="#eee"/><text x="10" y="45">PRISMA-ScR</text><script>window.__pwned=1</script></svg>'
    path = tmp_path / "bundle.html"
    findings = generate_findings(60) + xss_findings()
    path.write_text(conference_bundle(findings, title=TITLE, prisma_svg=prisma), encoding="utf-8")
    watch = Watch()
    context, page = open_offline(browser, path, watch, viewport=(1600, 1000))
    try:
        matrix = page.locator("#matrix svg").first
        assert matrix.is_visible()
        assert page.locator("#matrix text", has_text="gap").count() > 0
        assert page.locator("#prisma img").evaluate("img => img.complete && img.naturalWidth > 0")
        studies = page.locator("#studies")
        assert XSS_QUOTE in studies.inner_text()
        assert studies.locator("img, script").count() == 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#matrix").screenshot(path=str(SCREENSHOTS / "map_matrix.png"))
        page.locator("#network").screenshot(path=str(SCREENSHOTS / "map_bundle_network.png"))
        assert_clean(watch, page)
    finally:
        context.close()


def test_on_a_narrow_screen_the_legend_starts_folded(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "map.html"
    path.write_text(render_html(build_graph(generate_findings(20)), title=TITLE), encoding="utf-8")
    watch = Watch()
    context, page = open_offline(browser, path, watch, viewport=(900, 700))
    try:
        legend = page.locator("#map-legend")
        assert legend.is_visible() and legend.get_attribute("open") is None
        assert not legend.locator("li").first.is_visible()
        legend.locator("summary").click()
        assert legend.locator("li").first.is_visible()
        assert_clean(watch, page)
    finally:
        context.close()
