"""Spreadsheet formula injection ("CSV injection"): neutralise cells on export, undo on import.

A spreadsheet program evaluates a cell that starts with `=`, `+`, `-` or `@` (and some treat a
leading tab or carriage return the same way) as a formula, so a title such as
`=HYPERLINK("http://evil.example", "click")` from a database export could run when a reviewer
opens our CSV in Excel. Following the OWASP guidance, `neutralise` puts a single quote in front
of such a cell.

The trade-off: the quote is visible in the exported cell (`'-1`, `'@home`), and the table reader
must strip it again so that importing our own export is lossless. `restore` does exactly that:
it removes one leading quote when quotes are followed by one of those characters. To keep the
round trip exact for values that already start that way (`'=x`), `neutralise` adds a quote to
them too (`''=x`), so `restore(neutralise(v)) == v` for every string. The cost is that a cell in
a foreign file that genuinely starts with `'=`, `'-`, … loses its first quote on import.

>>> neutralise("=1+1"), neutralise("-1"), neutralise("plain"), neutralise("'=x")
("'=1+1", "'-1", 'plain', "''=x")
>>> all(restore(neutralise(v)) == v for v in ["=1", "'=1", "''-2", "x", "", "'", "'a"])
True
"""

from __future__ import annotations

import re

#: Characters that make a spreadsheet cell a formula (OWASP CSV injection guidance).
FORMULA_TRIGGERS: frozenset[str] = frozenset({"=", "+", "-", "@", "\t", "\r"})
# Quotes followed by a trigger. `\n` is included because reading a CSV normalises `\r` to `\n`.
_QUOTED_TRIGGER = re.compile(r"'+[=+\-@\t\r\n]")


def neutralise(value: str) -> str:
    """`value` with a leading `'` when a spreadsheet would read it as a formula."""
    if value[:1] in FORMULA_TRIGGERS or _QUOTED_TRIGGER.match(value):
        return "'" + value
    return value


def restore(value: str) -> str:
    """Undo `neutralise`: drop one leading `'` in front of quotes and a formula character."""
    if _QUOTED_TRIGGER.match(value):
        return value[1:]
    return value
