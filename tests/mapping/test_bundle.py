from __future__ import annotations

import re

from review.mapping.bundle import conference_bundle
from tests.mapping.helpers import XSS_QUOTE, XSS_TITLE, xss_findings

EXTERNAL = re.compile(r"https?://|//cdn", re.IGNORECASE)
PRISMA = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'


def test_the_bundle_holds_every_part_offline_and_escaped() -> None:
    html = conference_bundle(xss_findings(), title="ROM <evidence>", prisma_svg=PRISMA)
    assert not EXTERNAL.search(html)
    for anchor in ("network", "matrix", "prisma", "studies"):
        assert f'id="{anchor}"' in html
    assert "<title>ROM &lt;evidence&gt;</title>" in html
    assert XSS_TITLE not in html and XSS_QUOTE not in html
    assert html.count("<script") == 3  # the PRISMA script is inside a data: image, which never runs
    assert "Included studies (3)" in html
    assert "<svg" in html  # the matrix, inline


def test_the_bundle_without_prisma_has_no_prisma_section() -> None:
    assert 'id="prisma"' not in conference_bundle(xss_findings())
