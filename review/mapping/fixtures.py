"""Seeded example findings about routine outcome monitoring (ROM), for tests, demos and the bench.

`random.Random(seed)` only, so the same call gives the same project on every machine.
"""

from __future__ import annotations

import random

from review.mapping.model import MapFinding

LEVELS = ("policy", "organisation", "therapist", "client", "research", "measures", "training")
THEMES = (
    "time burden",
    "administrative workload",
    "IT infrastructure",
    "data security",
    "leadership support",
    "implementation champion",
    "organisational culture",
    "funding",
    "reimbursement policy",
    "national mandate",
    "therapist attitudes",
    "perceived usefulness",
    "clinical judgement",
    "fear of evaluation",
    "feedback skills",
    "alliance rupture repair",
    "client burden",
    "client engagement",
    "literacy and language",
    "cultural fit",
    "symptom tracking",
    "early warning signals",
    "not-on-track alerts",
    "shared decision-making",
    "measure validity",
    "measure length",
    "item relevance",
    "norms and benchmarks",
    "training quality",
    "supervision use",
    "ongoing consultation",
    "feedback report design",
    "digital platform usability",
    "integration in EHR",
    "session frequency",
    "outcome accountability",
    "research-practice gap",
    "trial fidelity",
    "qualitative evidence",
    "stakeholder involvement",
)
TYPES = ("barrier", "facilitator", "mechanism")
AUTHORS = (
    "Boswell",
    "Lambert",
    "de Jong",
    "Unsworth",
    "Solstad",
    "Brattland",
    "Kendrick",
    "Duncan",
    "Miller",
    "Barkham",
    "Lutz",
    "Delgadillo",
    "Wampold",
    "Hatfield",
    "Ogles",
    "Sharples",
)
DESIGNS = ("qualitative", "mixed methods", "survey", "RCT", "case study")
COUNTRIES = ("Netherlands", "Norway", "United Kingdom", "United States", "Germany", "Australia")
SETTINGS = ("outpatient", "inpatient", "primary care", "youth services")


def generate_findings(n_studies: int, findings_per_study: int = 10, seed: int = 42) -> list[MapFinding]:
    """`n_studies` studies with `findings_per_study` findings each, skewed like real evidence:
    a few themes carry most findings and some level–theme cells stay empty (gaps).

    >>> len(generate_findings(3))
    30
    >>> generate_findings(2)[0] == generate_findings(2)[0]
    True
    """
    rng = random.Random(seed)
    theme_weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(THEMES))]
    level_weights = [0.6, 1.4, 2.2, 1.6, 0.4, 0.9, 0.7]
    findings: list[MapFinding] = []
    for study in range(1, n_studies + 1):
        year = rng.randint(1998, 2025)
        label = f"{rng.choice(AUTHORS)} et al. {year}"
        title = f"Routine outcome monitoring in {rng.choice(SETTINGS)}: study {study}"
        characteristics: dict[str, str | tuple[str, ...]] = {
            "design": rng.choice(DESIGNS),
            "country": rng.choice(COUNTRIES),
            "setting": rng.choice(SETTINGS),
        }
        for number in range(findings_per_study):
            n_levels = 1 if rng.random() < 0.75 else 2
            levels = tuple(sorted(set(rng.choices(LEVELS, level_weights, k=n_levels))))
            # Research and measures findings never touch the organisational themes: realistic gaps.
            pool = THEMES[20:] if set(levels) & {"research", "measures"} else THEMES
            k = 1 if rng.random() < 0.8 else 2
            themes = tuple(sorted(set(rng.choices(pool, theme_weights[: len(pool)], k=k))))
            finding_type = rng.choices(TYPES, (5, 4, 1.5))[0]
            findings.append(
                MapFinding(
                    study_id=study,
                    study_label=label,
                    title=title,
                    year=year,
                    type=finding_type,
                    levels=levels,
                    themes=themes,
                    quote=f"Participants described {themes[0]} as a {finding_type} ({number + 1}).",
                    page=str(rng.randint(1, 30)),
                    characteristics=characteristics,
                )
            )
    return findings
