"""Sign-in and the screening pages, driven by Streamlit's AppTest against a throwaway SQLite
database holding the demo project and its team (owner demo-owner, reviewers alice and bob)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app_pages import common
from review.demo import DEMO_DIR, DEMO_EXPORTS, DEMO_PROJECT, ensure_demo_project
from review.people import (
    Actor,
    actor_for,
    add_member,
    create_user,
    find_user,
    first_start_needed,
    project_id_of,
)
from review.screening.notes import notes_visible_to
from review.screening.service import (
    decisions_visible_to,
    next_record,
    record_decision,
    update_settings,
)
from review.store.engine import dispose_engines, get_engine
from review.store.projects import ensure_project
from tests.app.helpers import sign_in

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 60
DEMO_FILES_PRESENT = all((DEMO_DIR / name).is_file() for name, _ in DEMO_EXPORTS)
needs_demo = pytest.mark.skipif(not DEMO_FILES_PRESENT, reason="the demo exports in data/demo/ are missing")
PASSWORDS = {"demo-owner": "owner-demo", "alice": "alice-demo", "bob": "bob-demo"}


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A fresh SQLite file for the app (no administrator: the demo team only, once the app runs)."""
    url = f"sqlite:///{tmp_path / 'review.db'}"
    monkeypatch.setenv("REVIEW_DATABASE_URL", url)
    yield get_engine(url)
    dispose_engines()


@pytest.fixture
def demo(engine: Engine) -> int:
    """The demo project (with its team), as the app builds it; returns its id."""
    ensure_demo_project(engine)
    project_id = project_id_of(engine, DEMO_PROJECT)
    assert project_id is not None
    return project_id


def actor(engine: Engine, project_id: int, username: str) -> Actor:
    account = find_user(engine, username)
    assert account is not None
    return actor_for(engine, project_id, account.user_id)


def start() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert_fine(app)
    return app


def as_user(username: str) -> AppTest:
    return sign_in(start(), username, PASSWORDS[username])


def assert_fine(app: AppTest) -> None:
    assert not app.exception, [exception.value for exception in app.exception]


def texts(elements: object) -> list[str]:
    return [str(element.value) for element in elements]  # type: ignore[attr-defined]


def shown(elements: object) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", text) for text in texts(elements)]


def page_paths(app: AppTest) -> set[str]:
    """The pages the navigation offers (AppTest knows them by script path)."""
    try:
        app.switch_page("app_pages/common.py")  # a file, but never a page
    except ValueError as error:
        return set(re.findall(r"app_pages/([a-z_]+\.py)", str(error).split("Known pages:")[1]))
    raise AssertionError("switch_page to a missing page should fail")


# -- sign-in -------------------------------------------------------------------------------------


def test_first_start_creates_the_administrator_then_sign_out_and_in(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "ensure_demo_project", lambda _engine: "no demo")
    app = start()
    assert texts(app.title) == ["Welcome to ReviewMap"]
    assert not app.sidebar.button, "nothing but the first-start form before sign-in"

    app.text_input(key="first_username").input("Maria")
    app.text_input(key="first_password").input("long-enough-1")
    app.text_input(key="first_password_again").input("long-enough-2")
    app.button(key="FormSubmitter:first_start-Create account and sign in").click().run()
    assert any("the two passwords differ" in error for error in shown(app.error))
    assert first_start_needed(engine)

    app.text_input(key="first_password").input("long-enough-1")
    app.text_input(key="first_password_again").input("long-enough-1")
    app.button(key="FormSubmitter:first_start-Create account and sign in").click().run()
    assert_fine(app)
    assert common.ACCOUNT_KEY in app.session_state
    assert app.session_state[common.ACCOUNT_KEY].username == "maria"
    assert not first_start_needed(engine)
    assert app.session_state["project"].name == "default", "the administrator gets a first project"
    assert "Signed in as **Maria**" in texts(app.sidebar.caption)

    app.sidebar.button(key="sign_out").click().run()
    assert texts(app.title) == ["Sign in to ReviewMap"]
    assert common.ACCOUNT_KEY not in app.session_state

    app.text_input(key="sign_in_username").input("maria")
    app.text_input(key="sign_in_password").input("wrong password")
    app.button(key="FormSubmitter:sign_in-Sign in").click().run()
    assert shown(app.error) == ["Not signed in: unknown user name or wrong password."]
    assert common.ACCOUNT_KEY not in app.session_state
    sign_in(app, "MARIA", "long-enough-1")


@needs_demo
def test_the_demo_on_a_fresh_database_asks_for_sign_in_not_for_a_first_start(engine: Engine) -> None:
    app = start()

    assert texts(app.title) == ["Sign in to ReviewMap"], (
        "the demo accounts can sign in: no forced first start"
    )
    assert first_start_needed(engine), "the demo owner (a public password) is no administrator"
    assert find_user(engine, "demo-owner") is not None and not find_user(engine, "demo-owner").is_admin
    assert any("no administrator yet" in text for text in texts(app.info)), "the first start is still offered"
    sign_in(app, "alice", "alice-demo")
    assert app.session_state["project"].name == DEMO_PROJECT
    assert app.session_state["project"].role == "reviewer"


@needs_demo
def test_pages_follow_the_role(engine: Engine, demo: int) -> None:
    create_user(engine, "victor", "viewer-password")
    add_member(engine, demo, actor(engine, demo, "demo-owner"), "victor", "viewer")

    owner = page_paths(as_user("demo-owner"))
    reviewer = page_paths(as_user("alice"))
    viewer_app = sign_in(start(), "victor", "viewer-password")
    viewer = page_paths(viewer_app)

    assert {"import_records.py", "dedup.py", "screen.py", "full_text.py", "conflicts.py"} <= owner
    assert {"settings.py", "agreement.py", "prisma.py"} <= owner
    assert {"screen.py", "full_text.py", "agreement.py", "prisma.py"} <= reviewer
    assert not {"conflicts.py", "import_records.py", "dedup.py"} & reviewer
    assert {"records.py", "agreement.py", "prisma.py"} <= viewer
    assert not {"screen.py", "full_text.py", "conflicts.py", "import_records.py", "dedup.py"} & viewer


def test_a_user_sees_only_their_projects_and_owns_the_ones_they_create(engine: Engine) -> None:
    theirs = ensure_project(engine, "someone else's")
    create_user(engine, "carol", "carol-password")
    create_user(engine, "dave", "dave-password")
    from review.people import ensure_owner

    ensure_owner(engine, theirs, find_user(engine, "dave").user_id)  # type: ignore[union-attr]
    app = sign_in(start(), "carol", "carol-password")
    assert texts(app.title) == ["No project yet"]

    app.text_input(key="page_new_project_name").input("Carol's map")
    app.button(key="FormSubmitter:page_new_project-Create project").click().run()
    assert_fine(app)
    assert app.session_state["project"].name == "Carol's map"
    assert app.session_state["project"].role == "owner"
    assert app.sidebar.selectbox(key=common.PROJECT_KEY).options == ["Carol's map"]
    app.switch_page("app_pages/projects.py").run()
    assert list(app.dataframe[0].value["name"]) == ["Carol's map"], "no other project is listed"


# -- screening -----------------------------------------------------------------------------------


@needs_demo
def test_include_saves_at_once_moves_on_and_undo_brings_the_record_back(engine: Engine, demo: int) -> None:
    app = as_user("alice")
    app.switch_page("app_pages/screen.py").run()
    assert_fine(app)
    first = app.session_state["screen_record"]
    assert any("rm-title" in text for text in texts(app.markdown))

    app.button(key="screen_include").click().run()
    assert_fine(app)
    alice = actor(engine, demo, "alice")
    mine = decisions_visible_to(engine, demo, alice, "title_abstract")
    assert [(d.record_id, d.decision, d.reviewer) for d in mine] == [(first, "include", "alice")]
    assert app.session_state["screen_record"] != first, "a decided record leaves my queue"
    assert any(f"Saved: include (record {first})" in text for text in shown(app.success))

    app.button(key="screen_undo").click().run()
    assert decisions_visible_to(engine, demo, alice, "title_abstract") == []
    assert app.session_state["screen_record"] == first, "undone, the record is back first in my queue"


@needs_demo
def test_imported_markup_is_escaped_and_terms_are_highlighted(engine: Engine, demo: int) -> None:
    owner = actor(engine, demo, "demo-owner")
    update_settings(engine, demo, owner, highlight_include=["feedback"], highlight_exclude=["protocol"])
    card = next_record(engine, demo, actor(engine, demo, "alice"), "title_abstract")
    assert card is not None
    from review.store.engine import session_scope
    from review.store.schema import RecordRow

    with session_scope(engine) as session:
        row = session.get(RecordRow, card.record_id)
        assert row is not None
        row.title = "Feedback <script>alert('x')</script> *bold*\n\nprotocol"

    app = as_user("alice")
    app.switch_page("app_pages/screen.py").run()

    title = next(text for text in texts(app.markdown) if "rm-title" in text)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in title
    assert "<script" not in title
    assert '<mark class="rm-include">Feedback</mark>' in title
    assert '<mark class="rm-exclude">protocol</mark>' in title
    assert "\n\n" not in title, "no blank line: Markdown never reads the escaped text"


@needs_demo
def test_a_reviewer_made_viewer_meanwhile_is_told_they_cannot_screen(engine: Engine, demo: int) -> None:
    """Pages are hidden by role; a page open when the role changes: review/ refuses, the app says so."""
    app = as_user("alice")
    app.switch_page("app_pages/screen.py").run()
    add_member(engine, demo, actor(engine, demo, "demo-owner"), "alice", "viewer")  # while signed in

    app.button(key="screen_include").click().run()

    assert_fine(app)
    assert any("Not allowed: a viewer cannot screen" in text for text in texts(app.error))
    assert decisions_visible_to(engine, demo, actor(engine, demo, "demo-owner")) == []
    assert app.session_state["project"].role == "viewer"
    assert "screen.py" not in page_paths(app)


@needs_demo
def test_full_text_exclusion_needs_a_reason(engine: Engine, demo: int) -> None:
    owner = actor(engine, demo, "demo-owner")
    update_settings(engine, demo, owner, reviewers_title_abstract=1, pilot_size=0)
    alice = actor(engine, demo, "alice")
    card = next_record(engine, demo, alice, "title_abstract")
    assert card is not None
    record_decision(engine, demo, alice, card.record_id, "title_abstract", "include")

    app = as_user("alice")
    app.switch_page("app_pages/full_text.py").run()
    assert_fine(app)
    assert app.session_state["full_text_record"] == card.record_id

    app.button(key="full_text_exclude").click().run()
    assert any("needs a reason" in text for text in shown(app.error))
    assert decisions_visible_to(engine, demo, alice, "full_text") == []

    app.selectbox(key="full_text_reason").select_index(0).run()
    app.button(key="full_text_exclude").click().run()
    assert_fine(app)
    stored = decisions_visible_to(engine, demo, alice, "full_text")
    assert [(d.record_id, d.decision, d.reason is not None) for d in stored] == [
        (card.record_id, "exclude", True)
    ]

    assert app.session_state.get("full_text_record") is None, "nothing else waits at full text"
    assert any("Nothing waits for you at full text" in text for text in shown(app.success))


@needs_demo
def test_a_link_or_not_retrievable_is_recorded_for_the_record(engine: Engine, demo: int) -> None:
    owner = actor(engine, demo, "demo-owner")
    update_settings(engine, demo, owner, reviewers_title_abstract=1, pilot_size=0)
    alice = actor(engine, demo, "alice")
    card = next_record(engine, demo, alice, "title_abstract")
    assert card is not None
    record_decision(engine, demo, alice, card.record_id, "title_abstract", "include")
    app = as_user("alice")
    app.switch_page("app_pages/full_text.py").run()

    app.text_input(key=f"full_text_url_{card.record_id}").input("javascript:alert(1)")
    app.button(key="full_text_attach_link").click().run()
    assert any("is not a web address" in text for text in shown(app.error))
    app.text_input(key=f"full_text_url_{card.record_id}").input("https://doi.org/10.1037/pst0000167")
    app.button(key="full_text_attach_link").click().run()
    assert any("Attached the link" in text for text in shown(app.success))

    app.button(key="full_text_missing").click().run()
    assert any("Marked as not retrievable" in text for text in shown(app.warning))


# -- conflicts, agreement, PRISMA, protocol ---------------------------------------------------


def make_conflict(engine: Engine, demo: int) -> int:
    alice, bob = actor(engine, demo, "alice"), actor(engine, demo, "bob")
    card = next_record(engine, demo, alice, "title_abstract")
    assert card is not None
    record_decision(engine, demo, alice, card.record_id, "title_abstract", "include")
    record_decision(engine, demo, bob, card.record_id, "title_abstract", "exclude", "wrong population")
    return card.record_id


@needs_demo
def test_the_owner_sees_the_conflict_blinded_and_resolves_it(engine: Engine, demo: int) -> None:
    record_id = make_conflict(engine, demo)

    reviewer = as_user("alice")
    assert "conflicts.py" not in page_paths(reviewer)

    app = as_user("demo-owner")
    app.switch_page("app_pages/conflicts.py").run()
    assert_fine(app)
    assert "**1** open conflict at title/abstract." in texts(app.markdown)
    table = app.dataframe[0].value
    assert list(table["reviewer"]) == ["Reviewer A", "Reviewer B"], "no names while blinding is on"
    assert sorted(table["decision"]) == ["exclude", "include"]

    app.button(key=f"resolve_title_abstract_{record_id}").click().run()
    assert any("Choose include or exclude" in text for text in shown(app.error))
    app.session_state[f"resolve_decision_title_abstract_{record_id}"] = "include"
    app.run()
    app.button(key=f"resolve_title_abstract_{record_id}").click().run()
    assert_fine(app)
    assert any(f"Resolved record {record_id}: include" in text for text in shown(app.success))
    assert "**0** open conflicts at title/abstract." in texts(app.markdown)


@needs_demo
def test_agreement_for_the_owner_and_blinded_reviewers_are_told_why_not(engine: Engine, demo: int) -> None:
    make_conflict(engine, demo)
    owner = as_user("demo-owner")
    owner.switch_page("app_pages/agreement.py").run()
    assert_fine(owner)
    pairs = owner.dataframe[0].value
    assert list(pairs.columns[:3]) == ["reviewer A", "reviewer B", "n"]
    assert {pairs["reviewer A"][0], pairs["reviewer B"][0]} == {"alice", "bob"}
    assert pairs["agreement"][0] == "0%"

    reviewer = as_user("bob")
    reviewer.switch_page("app_pages/agreement.py").run()
    assert_fine(reviewer)
    assert not reviewer.dataframe, "a blinded reviewer sees no reviewer pairs"
    assert any("agreement between reviewers is for the owner" in text for text in texts(reviewer.info))
    assert not any("alice" in text for text in texts(reviewer.markdown) + texts(reviewer.text))


@needs_demo
def test_prisma_page_offers_svg_png_and_json(engine: Engine, demo: int) -> None:
    app = as_user("alice")
    app.switch_page("app_pages/prisma.py").run()
    assert_fine(app)
    buttons = app.get("download_button")
    assert [button.proto.label for button in buttons] == ["SVG", "PNG", "JSON"]
    assert all(button.proto.url for button in buttons)
    assert app.get("image"), "the diagram is shown"


@needs_demo
def test_the_owner_edits_the_protocol_and_a_reviewer_only_reads_it(engine: Engine, demo: int) -> None:
    app = as_user("demo-owner")
    app.switch_page("app_pages/settings.py").run()
    assert_fine(app)
    app.text_area(key="setting_population").input("Adults in psychotherapy")
    app.text_area(key="setting_exclusion_criteria").input("animal studies\n\nprotocols only\n")
    app.number_input(key="setting_reviewers_title_abstract").set_value(3)
    app.button(key="FormSubmitter:protocol_form-Save protocol").click().run()
    assert_fine(app)
    assert any(text.startswith("Saved:") for text in shown(app.success))
    from review.screening.service import protocol

    saved = protocol(engine, demo)
    assert saved.population == "Adults in psychotherapy"
    assert saved.exclusion_criteria == ("animal studies", "protocols only")
    assert saved.reviewers_title_abstract == 3

    reviewer = as_user("alice")
    reviewer.switch_page("app_pages/screen.py").run()
    assert "Adults in psychotherapy" in texts(reviewer.text), "the criteria stand beside the record"
    assert "• animal studies\n• protocols only" in texts(reviewer.text)
    reviewer.switch_page("app_pages/settings.py").run()
    assert_fine(reviewer)
    assert not reviewer.get("form") or "protocol_form" not in str(reviewer.session_state)
    assert any("Only the project's owner changes the protocol" in text for text in texts(reviewer.caption))


@needs_demo
def test_the_owner_creates_an_account_and_adds_it_to_the_team(engine: Engine, demo: int) -> None:
    app = as_user("demo-owner")
    app.switch_page("app_pages/settings.py").run()
    app.text_input(key="new_user_name").input("Carla")
    app.text_input(key="new_user_password").input("carla-password")
    app.button(key="FormSubmitter:new_user-Create account").click().run()
    assert any("Created the account carla" in text for text in shown(app.success))

    app.selectbox(key="member_user").set_value("carla")
    app.selectbox(key="member_role").set_value("reviewer")
    app.button(key="FormSubmitter:member_add-Add or change").click().run()
    assert any("carla is now reviewer" in text for text in shown(app.success))
    assert "carla" in set(app.dataframe[0].value["user"])
    assert actor(engine, demo, "carla").role == "reviewer"

    app.selectbox(key="member_remove").set_value("demo-owner")
    app.button(key="FormSubmitter:member_remove_form-Remove").click().run()
    assert any("last owner" in text for text in shown(app.error))


@needs_demo
def test_decisions_csv_import(engine: Engine, demo: int) -> None:
    from sqlalchemy import func, select

    from review.store.engine import session_scope
    from review.store.schema import RecordRow

    with session_scope(engine) as session:
        counts = session.execute(
            select(RecordRow.source_key, func.count())
            .where(RecordRow.project_id == demo, RecordRow.duplicate_of.is_(None))
            .group_by(RecordRow.source_key)
        ).all()
    unique = next(key for key, n in counts if n == 1 and key)
    shared = next(key for key, n in counts if n > 1 and key)
    app = as_user("demo-owner")
    app.switch_page("app_pages/settings.py").run()

    bad = f"reviewer,source_key,stage,decision\nzoe,{shared},title_abstract,include\n".encode()
    app.file_uploader(key="decisions_csv").set_value([("bad.csv", bad, "text/csv")]).run()
    app.button(key="import_decisions").click().run()
    assert "Nothing imported: the file has bad rows." in shown(app.error)
    assert any(text.startswith("bad.csv:2: source_key") for text in texts(app.code))

    good = f"reviewer,source_key,stage,decision\nzoe,{unique},title_abstract,include\n".encode()
    app.file_uploader(key="decisions_csv").set_value([("good.csv", good, "text/csv")]).run()
    app.button(key="import_decisions").click().run()
    assert_fine(app)
    assert any("imported 1 decisions from good.csv" in text for text in shown(app.success)), texts(app.code)
    assert [d.reviewer for d in decisions_visible_to(engine, demo, actor(engine, demo, "demo-owner"))] == [
        "zoe"
    ]


def test_tags_and_a_note_are_kept_per_reviewer_and_hidden_from_the_other(engine: Engine, demo: int) -> None:
    app = as_user("alice")
    app.switch_page("app_pages/screen.py").run()
    record = app.session_state["screen_record"]
    app.text_input(key=f"screen_tags_{record}").set_value("ROM, <b>qualitative</b>")
    app.text_area(key=f"screen_record_note_{record}").set_value("Check <script>x</script> full text")
    app.button[[b.label for b in app.button].index("Save tags and note")].click().run()
    assert_fine(app)
    [note] = notes_visible_to(engine, demo, actor(engine, demo, "alice"), record)
    assert note.tags == ("ROM", "<b>qualitative</b>")
    assert note.note == "Check <script>x</script> full text"
    assert notes_visible_to(engine, demo, actor(engine, demo, "bob"), record) == [], "blind to bob"
    assert len(notes_visible_to(engine, demo, actor(engine, demo, "demo-owner"), record)) == 1
