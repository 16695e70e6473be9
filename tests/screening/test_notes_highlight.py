"""Reviewer notes and tags (under the blinding rule), and keyword highlighting (escaped)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from review.people import PermissionDenied
from review.screening import service
from review.screening.highlight import find_terms, highlight_html
from review.screening.notes import notes_visible_to, save_note
from tests.screening.builders import build_project, build_team


def test_notes_follow_the_blinding_rule(engine: Engine) -> None:
    project_id, ids = build_project(engine)
    team = build_team(engine, project_id)
    r1, r2 = team.reviewers
    save_note(
        engine, project_id, r1, ids[0], "looks like a trial protocol", ["protocol", " protocol ", "RCT"]
    )
    save_note(engine, project_id, r2, ids[0], "include: therapists' views")
    save_note(engine, project_id, r1, ids[0], "a protocol after all", ["protocol"])
    [mine] = notes_visible_to(engine, project_id, r1, ids[0])
    assert (mine.note, mine.tags) == ("a protocol after all", ("protocol",))
    assert {n.username for n in notes_visible_to(engine, project_id, team.owner)} == {"r1", "r2"}
    assert notes_visible_to(engine, project_id, team.viewer) == []
    with pytest.raises(PermissionDenied):
        save_note(engine, project_id, team.viewer, ids[0], "a viewer's note")
    service.update_settings(engine, project_id, team.owner, blinding=False)
    assert len(notes_visible_to(engine, project_id, r2, ids[0])) == 2


def test_highlighting_escapes_the_text_and_marks_whole_word_starts() -> None:
    html = highlight_html('<img src=x onerror="alert(1)"> Therapy in rats', ["therap"], ["rats", "rat"])
    assert "<img" not in html and "&lt;img" in html
    assert '<mark class="rm-include">Therap</mark>y' in html
    assert '<mark class="rm-exclude">rats</mark>' in html
    assert find_terms("pirates", [], ["rat"]) == []  # not inside a word
    assert find_terms("routine  outcome monitoring", ["routine outcome"], ["outcome"]) == [(0, 16, "include")]
