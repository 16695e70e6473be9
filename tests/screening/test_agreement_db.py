"""Agreement through the database, checked against scikit-learn's cohen_kappa_score."""

from __future__ import annotations

import math
import random
import warnings

import pytest
from sklearn.metrics import cohen_kappa_score
from sqlalchemy import Engine

from review.screening import service
from tests.screening.builders import build_project, build_team

TA = "title_abstract"


def test_kappa_per_pair_matches_scikit_learn(engine: Engine) -> None:
    project_id, ids = build_project(engine, sources=(("a.ris", "Scopus", 60),))
    team = build_team(engine, project_id, reviewers=3)
    service.update_settings(engine, project_id, team.owner, pilot_size=0, maybe_counts_as_include=False)
    rng = random.Random(7)
    labels: dict[str, dict[int, str]] = {}
    for actor in team.reviewers:
        chosen = rng.sample(ids, 45)  # some records only one or two of them saw
        labels[actor.username] = {}
        for record in chosen:
            decision = rng.choices(["include", "exclude", "maybe"], weights=[3, 6, 1])[0]
            service.record_decision(engine, project_id, actor, record, TA, decision)
            labels[actor.username][record] = decision
    report = service.agreement_report(engine, project_id, team.owner, TA)
    rows = report.rows()
    assert [(row["reviewer_a"], row["reviewer_b"]) for row in rows] == [
        ("r1", "r2"),
        ("r1", "r3"),
        ("r2", "r3"),
    ]
    for row in rows:
        a, b = labels[str(row["reviewer_a"])], labels[str(row["reviewer_b"])]
        shared = sorted(a.keys() & b.keys())
        assert row["n"] == len(shared)
        expected = cohen_kappa_score([a[r] for r in shared], [b[r] for r in shared])
        assert row["kappa"] == pytest.approx(expected)
        assert row["agreement"] == pytest.approx(sum(a[r] == b[r] for r in shared) / len(shared))
        assert set(row) == {
            "stage",
            "reviewer_a",
            "reviewer_b",
            "n",
            "agreement",
            "kappa",
            "pabak",
            "prevalence",
        }
    assert report.batches and all(batch.n <= 50 for batch in report.batches)


def test_when_all_agree_on_one_category_kappa_is_undefined_not_nan(engine: Engine) -> None:
    project_id, ids = build_project(engine, sources=(("a.ris", "Scopus", 5),))
    team = build_team(engine, project_id)
    service.update_settings(engine, project_id, team.owner, pilot_size=0)
    for actor in team.reviewers:
        for record in ids:
            service.record_decision(engine, project_id, actor, record, TA, "exclude")
    [row] = service.agreement_report(engine, project_id, team.viewer).rows()
    assert row["agreement"] == 1.0 and row["kappa"] is None and row["pabak"] == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns, then answers NaN; we answer None
        assert math.isnan(cohen_kappa_score(["exclude"] * 5, ["exclude"] * 5))


def test_a_pair_sharing_no_record_has_n_zero(engine: Engine) -> None:
    project_id, ids = build_project(engine, sources=(("a.ris", "Scopus", 4),))
    team = build_team(engine, project_id)
    r1, r2 = team.reviewers
    service.record_decision(engine, project_id, r1, ids[0], TA, "include")
    service.record_decision(engine, project_id, r2, ids[1], TA, "include")
    [row] = service.agreement_report(engine, project_id, team.owner).rows()
    assert row["n"] == 0 and row["kappa"] is None and row["agreement"] is None
