"""Highlight the protocol's include and exclude terms in a title or abstract, as safe HTML.

The text is escaped first, so a title holding `<script>` shows as text; only our own `<mark>`
tags are added. Terms match case-insensitively at word starts ("therap" marks "therapist");
where an include and an exclude term overlap, the longer match wins.

>>> highlight_html("Therapists & <b>rats</b>", ["therap"], ["rats"])
'<mark class="rm-include">Therap</mark>ists &amp; &lt;b&gt;<mark class="rm-exclude">rats</mark>&lt;/b&gt;'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

INCLUDE_CLASS = "rm-include"
EXCLUDE_CLASS = "rm-exclude"
#: Colour-blind-safe defaults (blue for include, orange for exclude) for a page's <style>.
HIGHLIGHT_CSS = (
    f"mark.{INCLUDE_CLASS}{{background:#cfe3f7;color:inherit;padding:0 .1em;border-bottom:2px solid #1f77b4}}"
    f"mark.{EXCLUDE_CLASS}{{background:#fde2c8;color:inherit;padding:0 .1em;border-bottom:2px solid #d95f02}}"
)


def _terms(terms: Iterable[str]) -> list[str]:
    return sorted({" ".join(t.split()) for t in terms if t.strip()}, key=len, reverse=True)


def find_terms(text: str, include: Iterable[str], exclude: Iterable[str]) -> list[tuple[int, int, str]]:
    """(start, end, "include"|"exclude") spans in `text`, not overlapping, in order."""
    tagged = [(term, "include") for term in _terms(include)] + [(term, "exclude") for term in _terms(exclude)]
    tagged.sort(key=lambda item: len(item[0]), reverse=True)
    spans: list[tuple[int, int, str]] = []
    for term, kind in tagged:
        pattern = re.compile(r"(?<!\w)" + re.escape(term).replace(r"\ ", r"\s+"), re.IGNORECASE)
        for match in pattern.finditer(text):
            start, end = match.span()
            if all(end <= s or start >= e for s, e, _ in spans):
                spans.append((start, end, kind))
    return sorted(spans)


def highlight_html(text: str, include: Iterable[str], exclude: Iterable[str]) -> str:
    """`text` escaped for HTML, with include and exclude terms wrapped in `<mark>`."""
    out: list[str] = []
    position = 0
    for start, end, kind in find_terms(text, include, exclude):
        css = INCLUDE_CLASS if kind == "include" else EXCLUDE_CLASS
        out.append(html.escape(text[position:start], quote=True))
        out.append(f'<mark class="{css}">{html.escape(text[start:end], quote=True)}</mark>')
        position = end
    out.append(html.escape(text[position:], quote=True))
    return "".join(out)
