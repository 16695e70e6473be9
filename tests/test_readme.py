"""The README is the first thing a new user reads: it must name every command and the two-command
quick start must exist in the Makefile."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from review.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_line_command_is_in_the_readme() -> None:
    parser = build_parser()
    [commands] = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    cli_section = README.split("## Command line", 1)[1]
    for name in commands.choices:
        assert re.search(rf"^{name}\b|[\s,]{name}[\s:,]", cli_section, re.MULTILINE), name


def test_the_quick_start_commands_exist() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert f"make {target}" in quick_start
        assert re.search(rf"^{target}:", makefile, re.MULTILINE)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_readme_image_exists() -> None:
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / image).is_file(), image
