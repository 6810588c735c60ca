"""Every link in README.md and docs/ leads somewhere: the file exists, and so does the section.

Also every `docs/....md` named anywhere in the code, the templates and the docs (a pointer like
"see docs/settings.md" to a file that was never written fails here too).
"""

import re
from pathlib import Path

import pytest

from tests.support import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
POINTER = re.compile(r"\bdocs/[\w.-]+\.md\b")
SOURCES = ("*.py", "*.md", "*.toml", "*.yaml", "Makefile")
SKIPPED_DIRS = {".venv", ".venv-sam", ".venv-audit", ".aws-sam", ".git", ".local", "node_modules"}


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return [t for t in LINK.findall(text) if not t.startswith(("http://", "https://", "mailto:"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_leads_to_a_file_and_section_that_exist(page):
    broken = []
    for target in links(page):
        path, _, section = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {path}")
        elif section and file.suffix == ".md" and section not in anchors(file):
            broken.append(f"{target}: no section #{section} in {file.name}")
    assert not broken, f"{page.name}: {broken}"


def test_every_docs_pointer_names_a_file_that_exists():
    named: dict[str, set[str]] = {}
    for pattern in SOURCES:
        for file in ROOT.rglob(pattern):
            if SKIPPED_DIRS & set(file.relative_to(ROOT).parts) or file == Path(__file__):
                continue
            for pointer in POINTER.findall(file.read_text(encoding="utf-8", errors="replace")):
                named.setdefault(pointer, set()).add(str(file.relative_to(ROOT)))
    missing = {p: sorted(f) for p, f in named.items() if not (ROOT / p).exists()}
    assert not missing


def test_the_checker_catches_a_missing_file_and_section(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Top\n[a](other.md) [b](#nowhere) [c](#top)\n")
    assert links(page) == ["other.md", "#nowhere", "#top"]
    assert (
        anchors(page) == {"top"} and slug("Which `make` target, 2026?") == "which-make-target-2026"
    )
