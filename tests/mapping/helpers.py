"""Small builders for mapping tests."""

from __future__ import annotations

from typing import Any

from review.mapping.model import MapFinding

XSS_TITLE = '<img src=x onerror="window.__pwned=1;alert(1)">'
XSS_QUOTE = "<script>window.__pwned=1;alert(1)</script> and </script><!-- more"


def finding(**overrides: Any) -> MapFinding:
    values: dict[str, Any] = {
        "study_id": 1,
        "study_label": "Boswell et al. 2015",
        "title": "Implementing routine outcome monitoring in clinical practice",
        "year": 2015,
        "type": "barrier",
        "levels": ("therapist",),
        "themes": ("time burden",),
        "quote": "Clinicians felt the measures took time from therapy.",
        "page": "4",
        "characteristics": {"design": "qualitative", "country": "United States"},
    }
    values.update(overrides)
    return MapFinding(**values)


def xss_findings() -> list[MapFinding]:
    """A project whose titles, labels, themes and quotes all carry script."""
    return [
        finding(study_label=XSS_TITLE, title=XSS_TITLE, quote=XSS_QUOTE, themes=(XSS_TITLE, "time burden")),
        finding(
            study_id=2,
            study_label="Lambert 2001 <b>bold</b>",
            title=XSS_QUOTE,
            type="facilitator",
            levels=("organisation", XSS_QUOTE),
            quote=XSS_TITLE,
        ),
        finding(
            study_id=3,
            study_label="de Jong 2012",
            type="mechanism",
            levels=("client",),
            themes=("not-on-track alerts",),
            quote="See https://doi.org/10.1000/xyz for details.",
        ),
    ]
