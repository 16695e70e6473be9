"""The Extract and Evidence map pages, driven by AppTest on a throwaway SQLite database holding the
demo project and its team (owner demo-owner, reviewers alice and bob)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from review.demo import DEMO_PROJECT, ensure_demo_project
from review.extraction.codebook import codebook_history, load_codebook
from review.extraction.findings import (
    add_finding,
    consensus_findings,
    findings_visible_to,
    set_dual_extraction,
)
from review.extraction.forms import characteristics_of
from review.extraction.model import FindingSpec
from review.people import Actor, actor_for, find_user, project_id_of
from review.store.engine import dispose_engines, get_engine
from review.store.projects import ensure_project
from tests.app.helpers import sign_in

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 90
PASSWORDS = {"demo-owner": "owner-demo", "alice": "alice-demo", "bob": "bob-demo"}
EXTRACT = "app_pages/extract.py"
MAP = "app_pages/evidence_map.py"


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'review.db'}"
    monkeypatch.setenv("REVIEW_DATABASE_URL", url)
    yield get_engine(url)
    dispose_engines()


@pytest.fixture
def demo(engine: Engine) -> int:
    ensure_demo_project(engine)
    project_id = project_id_of(engine, DEMO_PROJECT)
    assert project_id is not None
    return project_id


def actor(engine: Engine, project_id: int, username: str) -> Actor:
    account = find_user(engine, username)
    assert account is not None
    return actor_for(engine, project_id, account.user_id)


def fine(app: AppTest) -> AppTest:
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def open_page(username: str, path: str) -> AppTest:
    app = sign_in(fine(AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()), username, PASSWORDS[username])
    return fine(app.switch_page(path).run())


def test_a_reviewer_charts_a_study_with_a_new_theme_and_retracts_a_finding(engine: Engine, demo: int) -> None:
    app = open_page("alice", EXTRACT)
    record_id = app.selectbox(key="extract_study").value
    assert record_id is not None
    app.selectbox(key=f"extract_char_{record_id}_design").set_value("qualitative")
    app.text_input(key=f"extract_char_{record_id}_country").input("Norway")
    app.multiselect(key=f"extract_char_{record_id}_rom_measures").set_value(["OQ-45", "ORS"])
    fine(app.button(key=f"FormSubmitter:extract_characteristics_{record_id}-Save characteristics").click().run())
    assert "Saved 3 characteristics." in [s.value for s in app.success]
    alice = actor(engine, demo, "alice")
    assert characteristics_of(engine, demo, record_id, alice.user_id) == {
        "design": "qualitative", "country": "Norway", "rom_measures": "OQ-45; ORS"}

    app.radio(key="extract_finding_type").set_value("barrier")
    app.multiselect(key="extract_finding_levels").set_value(["therapist"])
    app.text_input(key="extract_finding_new_theme").input("Alarm <b>fatigue</b>")
    app.text_area(key="extract_finding_quote").input("Too many <script>alerts</script>")
    app.text_input(key="extract_finding_page").input("7")
    fine(app.button(key="FormSubmitter:extract_finding_form-Add finding").click().run())
    assert any("New theme" in s.value for s in app.success), [e.value for e in app.error]
    assert load_codebook(engine, demo).find("theme", "Alarm <b>fatigue</b>") is not None
    mine = [v for v in findings_visible_to(engine, demo, alice, record_id) if v.coder_id == alice.user_id]
    assert [(v.type, v.levels, v.themes, v.quote, v.page) for v in mine] == [
        ("barrier", ["therapist"], ["Alarm <b>fatigue</b>"], "Too many <script>alerts</script>", "7")]
    assert app.text_input(key="extract_finding_new_theme").value == ""  # the form is ready for the next one
    assert any("\\<script\\>" in m.value for m in app.markdown)  # shown escaped

    app.multiselect(key="extract_finding_levels").set_value([])
    fine(app.button(key="FormSubmitter:extract_finding_form-Add finding").click().run())
    assert any("at least one level" in e.value for e in app.error)

    fine(app.button(key=f"extract_retract_{mine[0].id}").click().run())
    assert "Finding retracted." in [s.value for s in app.success]
    assert not [v for v in findings_visible_to(engine, demo, alice, record_id) if v.coder_id == alice.user_id]


def test_the_owner_renames_a_theme_and_the_history_records_it(engine: Engine, demo: int) -> None:
    app = open_page("demo-owner", EXTRACT)
    book = load_codebook(engine, demo)
    theme = book.active("theme")[0]
    app.selectbox(key="extract_cb_rename_code").set_value(theme.id)
    app.text_input(key="extract_cb_rename_name").input("Renamed theme")
    app.text_input(key="extract_cb_rename_reason").input("clearer")
    fine(app.button(key="FormSubmitter:extract_cb_rename_form-Rename").click().run())
    assert any("Renamed" in s.value for s in app.success), [e.value for e in app.error]
    last = codebook_history(engine, demo)[-1]
    assert (last.action, last.new_value, last.reason, last.changed_by) == ("rename", "Renamed theme", "clearer", "demo-owner")


def test_a_reviewer_cannot_rename_the_codebook(engine: Engine, demo: int) -> None:
    app = open_page("bob", EXTRACT)
    assert not [s for s in app.selectbox if s.key == "extract_cb_rename_code"]
    assert not [b for b in app.button if b.key == "extract_bulk_import"]


def test_dual_extraction_is_reconciled_by_the_owner(engine: Engine, demo: int) -> None:
    owner = actor(engine, demo, "demo-owner")
    set_dual_extraction(engine, demo, owner, True)
    app = open_page("demo-owner", EXTRACT)
    record_id = app.selectbox(key="extract_reconcile_study").value
    assert isinstance(record_id, int)
    theme = load_codebook(engine, demo).active("theme")[0].name
    ids = [add_finding(engine, demo, actor(engine, demo, name), record_id, FindingSpec("barrier", [level], [theme]))
           for name, level in (("alice", "client"), ("bob", "therapist"))]
    fine(app.run())
    assert any(h.value == "Reconcile" for h in app.subheader)
    # The two findings pair up (same type and theme): coder A's is kept unless the owner keeps both.
    keep = {box.key: box.value for box in app.checkbox if (box.key or "").startswith("extract_keep_")}
    assert keep == {f"extract_keep_{record_id}_{ids[0]}": True, f"extract_keep_{record_id}_{ids[1]}": False}
    app.checkbox(key=f"extract_keep_{record_id}_{ids[1]}").check()
    before = {v.id for v in consensus_findings(engine, demo) if v.record_id == record_id}
    fine(app.button(key="extract_reconcile").click().run())
    assert any("Reconciled" in s.value for s in app.success), [e.value for e in app.error]
    after = [v for v in consensus_findings(engine, demo) if v.record_id == record_id and v.id not in before]
    assert sorted(level for v in after for level in v.levels) == ["client", "therapist"]


def test_the_map_filters_and_offers_the_downloads(engine: Engine, demo: int) -> None:
    app = open_page("alice", MAP)
    assert [t.value for t in app.title] == ["Evidence map"]
    everything = app.caption[0].value
    assert "studies" in everything and "findings" in everything
    app.multiselect(key="map_types").set_value(["facilitator"])
    fine(app.run())
    narrowed = app.caption[0].value
    assert narrowed != everything
    labels = [b.proto.label for b in app.get("download_button")]
    for label in ("Network (HTML, offline)", "Matrix SVG", "Matrix PNG", "Counts CSV", "Gaps CSV", "GraphML",
                  "GEXF (Gephi)", "Nodes CSV", "Edges CSV", "Conference bundle (HTML)"):
        assert label in labels
    fine(app.toggle(key="map_conference").set_value(True).run())


def test_the_gap_matrix_crosses_any_two_coded_dimensions(engine: Engine, demo: int) -> None:
    app = open_page("alice", MAP)
    assert app.selectbox(key="map_rows").value == "themes"
    assert app.selectbox(key="map_cols").value == "levels"
    app.selectbox(key="map_rows").set_value("type")
    fine(app.run())
    app.selectbox(key="map_cols").set_value("year")
    fine(app.run())
    assert "type" not in app.selectbox(key="map_cols").options, "a dimension is not crossed with itself"


def test_a_project_without_findings_says_how_to_get_a_map(engine: Engine, demo: int) -> None:
    project_id = ensure_project(engine, "empty")
    from review.people import ensure_owner

    ensure_owner(engine, project_id, actor(engine, demo, "demo-owner").user_id or 0)
    app = open_page("demo-owner", MAP)
    app.selectbox(key="project_id").set_value(project_id)
    fine(app.run())
    assert any("No findings yet" in i.value for i in app.info)
    fine(app.switch_page(EXTRACT).run())
    assert any("No study to chart yet" in i.value for i in app.info)
