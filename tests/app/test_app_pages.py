"""The app's pages, driven by Streamlit's AppTest against a throwaway SQLite database."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app_pages import common
from review.demo import DEMO_DIR, DEMO_EXPORTS, DEMO_PROJECT
from review.records.importing import MAX_FILE_BYTES
from review.store.engine import dispose_engines, get_engine, session_scope
from review.store.projects import ensure_project
from review.store.records import RecordQuery, count_records
from tests.app.helpers import ensure_admin, sign_in

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
EXPORTS = ROOT / "tests" / "data" / "formats" / "ris_csv_asreview_test_exports"
SCOPUS_RIS = (EXPORTS / "scopus.ris").read_bytes()
FAULTY_RIS = (EXPORTS / "faulty_year.ris").read_bytes()
RIS_MIME = "application/x-research-info-systems"
TIMEOUT = 60
DEMO_FILES_PRESENT = all((DEMO_DIR / name).is_file() for name, _ in DEMO_EXPORTS)


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The database the app will use: a fresh SQLite file, never data/review.db, with the
    administrator the tests sign in as."""
    url = f"sqlite:///{tmp_path / 'review.db'}"
    monkeypatch.setenv("REVIEW_DATABASE_URL", url)
    engine = get_engine(url)
    ensure_admin(engine)
    yield engine
    dispose_engines()


def start() -> AppTest:
    """The app, signed in as the test administrator."""
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not app.exception, [exception.value for exception in app.exception]
    return sign_in(app)


def open_project(app: AppTest, engine: Engine, name: str) -> int:
    project_id = ensure_project(engine, name)
    app.run()
    app.selectbox(key=common.PROJECT_KEY).set_value(project_id).run()
    assert app.session_state["project"].name == name
    return project_id


def record_count(engine: Engine, project_id: int, text: str = "") -> int:
    with session_scope(engine) as session:
        return count_records(session, project_id, RecordQuery(text=text))


def upload(app: AppTest, *files: tuple[str, bytes]) -> AppTest:
    app.switch_page("app_pages/import_records.py").run()
    app.file_uploader[0].set_value([(name, data, RIS_MIME) for name, data in files]).run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def select_first_row(app: AppTest) -> None:
    table_key = next(key for key in app.session_state if key.startswith("records_table_"))
    app.session_state[table_key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()


def texts(elements: object) -> list[str]:
    return [str(element.value) for element in elements]  # type: ignore[attr-defined]


def shown(elements: object) -> list[str]:
    """Markdown element texts as the reader sees them (backslash escapes removed)."""
    return [re.sub(r"\\(.)", r"\1", text) for text in texts(elements)]


@pytest.mark.skipif(not DEMO_FILES_PRESENT, reason="the demo exports in data/demo/ are missing")
def test_the_app_opens_on_the_demo_project(engine: Engine) -> None:
    app = start()

    assert app.session_state["project"].name == DEMO_PROJECT
    assert not app.sidebar.error
    assert any("of **" in text for text in texts(app.markdown)), "the Records page lists the demo records"


def test_the_app_still_opens_when_the_demo_cannot_be_built(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_engine: Engine) -> str:
        raise FileNotFoundError("data/demo/scopus_rom_cfs.csv: no such file")

    monkeypatch.setattr(common, "ensure_demo_project", broken)
    app = start()

    assert "The demo project could not be built" in shown(app.sidebar.error)[0]
    assert app.session_state["project"].name == "default"


def test_import_shows_what_was_read_then_stores_it(engine: Engine) -> None:
    app = start()
    project_id = open_project(app, engine, "trial")

    upload(app, ("scopus.ris", SCOPUS_RIS))

    assert any("Detected format: **RIS**" in text and "**6** records" in text for text in texts(app.markdown))
    preview = app.dataframe[0].value
    assert list(preview.columns) == ["title", "authors", "year", "journal", "doi"]
    assert len(preview) == 5
    assert (
        app.text_input(key=next(k for k in app.session_state if k.startswith("database_"))).value == "Scopus"
    )
    assert record_count(engine, project_id) == 0, "nothing is stored before Import"

    app.button(key="import").click().run()

    assert not app.exception
    assert shown(app.success) == ["imported 6 records from scopus.ris (ris)"]
    assert record_count(engine, project_id) == 6


def test_the_same_file_again_needs_a_tick(engine: Engine) -> None:
    app = start()
    project_id = open_project(app, engine, "trial")
    upload(app, ("scopus.ris", SCOPUS_RIS))
    app.button(key="import").click().run()

    upload(app, ("scopus.ris", SCOPUS_RIS))

    assert any("already imported" in text for text in shown(app.warning))
    assert app.button(key="import").disabled
    app.checkbox(key=next(k for k in app.session_state if k.startswith("force_"))).check().run()
    app.button(key="import").click().run()
    assert record_count(engine, project_id) == 12


def test_a_file_with_a_bad_entry_is_refused_unless_bad_entries_are_skipped(engine: Engine) -> None:
    app = start()
    project_id = open_project(app, engine, "trial")

    upload(app, ("scopus_and_faulty.ris", SCOPUS_RIS + FAULTY_RIS))

    assert any("scopus_and_faulty.ris:" in text and "is not a year" in text for text in texts(app.code))
    errors = shown(app.error)
    assert any("is not a year" in error and "Skip bad entries" in error for error in errors), errors
    assert app.button(key="import").disabled
    assert record_count(engine, project_id) == 0

    app.checkbox[0].check().run()
    assert not app.error
    app.button(key="import").click().run()

    assert shown(app.success) == ["imported 6 records from scopus_and_faulty.ris (ris)"]
    skipped = texts(app.code)
    assert any("scopus_and_faulty.ris:" in line and "'10 15' is not a year" in line for line in skipped), (
        skipped
    )
    assert record_count(engine, project_id) == 6


def test_a_file_without_a_single_good_entry_writes_nothing(engine: Engine) -> None:
    app = start()
    project_id = open_project(app, engine, "trial")

    upload(app, ("faulty_year.ris", FAULTY_RIS))
    assert any("faulty_year.ris:1: year '10 15' is not a year" in error for error in shown(app.error))
    app.checkbox[0].check().run()

    assert any("no record could be read" in error for error in shown(app.error))
    assert app.button(key="import").disabled
    assert record_count(engine, project_id) == 0


def test_an_unreadable_file_is_named_and_blocks_the_import(engine: Engine) -> None:
    app = start()
    open_project(app, engine, "trial")

    upload(app, ("notes.txt", b"just some words\n"), ("scopus.ris", SCOPUS_RIS))

    assert any("notes.txt:1: unknown format" in error for error in shown(app.error))
    assert app.button(key="import").disabled


def test_markup_in_a_title_is_shown_as_text(engine: Engine) -> None:
    app = start()
    project_id = open_project(app, engine, "trial")
    hostile = b"TY  - JOUR\nTI  - <script>alert(1)</script> *bold* [link](http://x)\nPY  - 2020\nER  - \n"

    upload(app, ("hostile.ris", hostile))
    app.button(key="import").click().run()
    app.switch_page("app_pages/records.py").run()
    select_first_row(app)

    assert record_count(engine, project_id) == 1
    assert "<script>alert(1)</script> *bold* [link](http://x)" in texts(app.text)
    assert not any("<script" in text for text in texts(app.markdown) + texts(app.caption))


def test_records_page_searches_filters_and_shows_a_record(engine: Engine) -> None:
    app = start()
    project_id = open_project(app, engine, "trial")
    upload(app, ("scopus.ris", SCOPUS_RIS))
    app.button(key="import").click().run()

    app.switch_page("app_pages/records.py").run()
    assert "records 1–6 of **6**" in texts(app.markdown)
    assert len(app.dataframe[0].value) == 6

    app.text_input(key=f"search_{project_id}").input("microbiome").run()
    narrowed = record_count(engine, project_id, "microbiome")
    assert 0 < narrowed < 6
    assert f"records 1–{narrowed} of **{narrowed}**" in texts(app.markdown)
    assert len(app.dataframe[0].value) == narrowed

    select_first_row(app)
    fields, provenance = app.dataframe[1].value, app.dataframe[2].value
    assert "doi" in set(fields["field"])
    assert dict(zip(provenance["field"], provenance["value"], strict=True))["file"] == "scopus.ris"
    assert any(text.startswith("TY  - JOUR") for text in texts(app.code))

    app.text_input(key=f"search_{project_id}").input("").run()
    assert len(app.dataframe) == 1, "a new search drops the selection instead of moving it to another record"


def test_records_page_pages_through(engine: Engine) -> None:
    app = start()
    open_project(app, engine, "trial")
    upload(app, ("scopus.ris", SCOPUS_RIS), ("again.ris", SCOPUS_RIS.replace(b"\n", b"\r\n")))
    app.button(key="import").click().run()
    app.switch_page("app_pages/records.py").run()
    assert "records 1–12 of **12**" in texts(app.markdown)

    app.selectbox(key="records_page_size").set_value(25).run()
    assert "records 1–12 of **12**" in texts(app.markdown)
    assert app.number_input(key="records_page").max == 1


def test_new_project_from_the_sidebar_becomes_the_current_one(engine: Engine) -> None:
    app = start()

    app.sidebar.text_input(key="sidebar_new_project_name").input("Mapping feedback")
    app.sidebar.button[0].click().run()

    assert app.session_state["project"].name == "Mapping feedback"
    assert app.sidebar.text_input(key="sidebar_new_project_name").value == ""
    app.sidebar.text_input(key="sidebar_new_project_name").input("Mapping  feedback")
    app.sidebar.button[0].click().run()
    assert any("exists already" in error for error in shown(app.sidebar.error))


def test_projects_page_lists_every_project(engine: Engine) -> None:
    app = start()
    ensure_project(engine, "trial")
    app.switch_page("app_pages/projects.py").run()

    assert "trial" in set(app.dataframe[0].value["name"])


def test_the_upload_limit_matches_the_importer() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_FILE_BYTES
