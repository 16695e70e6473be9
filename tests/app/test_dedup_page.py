"""The Deduplicate page, driven by Streamlit's AppTest against a throwaway SQLite database: run,
decide the queued pair, undo a merge, change a threshold."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app_pages import common
from review.records.dedup_store import dedup_settings
from review.records.dedup_views import dedup_summary
from review.store.engine import dispose_engines, get_engine
from tests.app.helpers import ensure_admin, sign_in
from tests.records.dedup.db_builders import OTHER, OTHER_LATER, UNIQUE, add_source, new_project, statuses
from tests.records.dedup.helpers import article, other_export

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGE = "app_pages/dedup.py"
TIMEOUT = 60
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The database the app will use: a fresh SQLite file, never data/review.db."""
    url = f"sqlite:///{tmp_path / 'review.db'}"
    monkeypatch.setenv("REVIEW_DATABASE_URL", url)
    engine = get_engine(url)
    ensure_admin(engine)
    yield engine
    dispose_engines()


@pytest.fixture
def trial(engine: Engine) -> tuple[int, dict[str, int]]:
    """A sure pair, a pair for a person (one copy's journal carries markup), a unique record."""
    project_id = new_project(engine)
    first = add_source(engine, project_id, "scopus", [article(), OTHER, UNIQUE])
    later = replace(OTHER_LATER, journal=f"J Clin Psychol {SCRIPT}")
    second = add_source(engine, project_id, "psycinfo", [other_export(article()), later])
    names = ["a", "other", "unique", "a_copy", "other_later"]
    return project_id, dict(zip(names, first + second, strict=True))


def open_page(project_id: int) -> AppTest:
    app = sign_in(AppTest.from_file(str(APP), default_timeout=TIMEOUT).run())
    app.selectbox(key=common.PROJECT_KEY).set_value(project_id).run()
    app.switch_page(PAGE).run()
    assert_fine(app)
    return app


def assert_fine(app: AppTest) -> None:
    assert not app.exception, [exception.value for exception in app.exception]
    assert not app.error, [error.value for error in app.error]


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: str(metric.value) for metric in app.metric}


def shown(elements: object) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", str(element.value)) for element in elements]  # type: ignore[attr-defined]


def test_run_then_merge_the_waiting_pair_then_undo(engine: Engine, trial: tuple[int, dict[str, int]]) -> None:
    project_id, ids = trial
    app = open_page(project_id)
    assert metrics(app)["Records"] == "5"
    assert "Not run yet." in shown(app.caption)[0]

    app.button(key="dedup_run").click().run()
    assert_fine(app)

    assert any(text.startswith("Compared every record") for text in shown(app.success))
    assert metrics(app) == {
        "Records": "5",
        "Clusters": "1",
        "Merged automatically": "1",
        "Merged by a person": "0",
        "Pairs waiting": "1",
    }
    [body] = [str(element.proto.body) for element in app.get("html") if "rm-pair" in element.proto.body]
    assert OTHER.title is not None and OTHER.title.replace("'", "&#x27;") in body
    assert "&lt;script&gt;" in body and SCRIPT not in body, "imported markup shows as text"
    assert 'class="rm-differs"' in body, "the fields that differ are highlighted"
    scores = app.dataframe[0].value
    assert list(scores["field"])[:3] == ["Title", "Authors", "Year"]
    assert any("years are too far apart" in text for text in shown(app.markdown))
    assert app.button(key="dedup_merge").proto.shortcut.lower() == "m"

    app.button(key="dedup_merge").click().run()
    assert_fine(app)

    assert any(text.startswith("Merged") for text in shown(app.success))
    assert metrics(app)["Pairs waiting"] == "0"
    assert metrics(app)["Merged by a person"] == "1"
    assert statuses(engine, project_id)[ids["other_later"]] == (ids["other"], "manual")
    assert len(app.expander) >= 3, "thresholds and the two merged groups"

    app.button(key=f"dedup_undo_{ids['other']}").click().run()
    assert_fine(app)

    assert any(text.startswith("Undone") for text in shown(app.success))
    assert statuses(engine, project_id)[ids["other_later"]] == (ids["other_later"], "unique")
    assert metrics(app)["Clusters"] == "1"


def test_not_duplicates_and_skip(engine: Engine, trial: tuple[int, dict[str, int]]) -> None:
    project_id, ids = trial
    app = open_page(project_id)
    app.button(key="dedup_run").click().run()

    app.button(key="dedup_run").click().run()
    assert any("nothing new to compare" in text for text in shown(app.info))

    app.button(key="dedup_skip").click().run()
    assert_fine(app)
    assert any("You skipped every waiting pair" in text for text in shown(app.info))
    app.button(key="dedup_unskip").click().run()
    assert app.button(key="dedup_distinct")

    app.button(key="dedup_distinct").click().run()
    assert_fine(app)

    assert any("not be proposed again" in text for text in shown(app.success))
    assert dedup_summary(engine, project_id).pairs_waiting == 0
    assert statuses(engine, project_id)[ids["other"]] == (ids["other"], "unique")


def test_the_owner_changes_a_threshold(engine: Engine, trial: tuple[int, dict[str, int]]) -> None:
    project_id, _ = trial
    app = open_page(project_id)

    app.number_input(key=f"dedup_setting_{project_id}_max_year_gap").set_value(2)
    next(button for button in app.button if button.label == "Save thresholds").click().run()
    assert_fine(app)

    assert dedup_settings(engine, project_id).max_year_gap == 2
    assert any("Thresholds saved" in text for text in shown(app.success))

    app.button(key="dedup_reset").click().run()
    assert dedup_settings(engine, project_id).max_year_gap == 1


def test_an_empty_project_points_to_the_import(engine: Engine) -> None:
    project_id = new_project(engine, "empty")
    app = open_page(project_id)

    assert "no records yet" in shown(app.info)[0]


def test_one_record_is_taken_out_of_a_group_of_three(engine: Engine) -> None:
    project_id = new_project(engine)
    ids = add_source(engine, project_id, "a", [article()])
    ids += add_source(engine, project_id, "b", [other_export(article())])
    ids += add_source(engine, project_id, "c", [other_export(article(), journal="J. Clin. Psychol.")])
    app = open_page(project_id)
    app.button(key="dedup_run").click().run()
    assert metrics(app)["Merged automatically"] == "2"

    app.selectbox(key=f"dedup_take_out_choice_{ids[0]}").set_value(ids[2]).run()
    app.button(key=f"dedup_take_out_{ids[0]}").click().run()
    assert_fine(app)

    assert statuses(engine, project_id)[ids[2]] == (ids[2], "unique")
    assert statuses(engine, project_id)[ids[1]] == (ids[0], "auto")
    assert metrics(app)["Merged automatically"] == "1"
