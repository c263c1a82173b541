"""The README and docs/ keep the shape a reader relies on: a short README whose first screen
answers what, how and where next; one page per subject, each opening with its summary; lines a
terminal shows whole; links that lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.spec import REPO_ROOT
from tests.docs.commands import doc_pages
from tests.docs.markdown import code_lines

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
PAGES = (
    "local-runtime.md",
    "sdk-under-test.md",
    "suite-and-report.md",
    "benchmark.md",
    "policy.md",
    "settings.md",
    "layer.md",
    "ci-and-bootstrap.md",
    "troubleshooting.md",
    "development.md",
    "history.md",
)
README_MAX_LINES = 200
PAGE_MAX_LINES = 300
LINE_MAX = 120
FIRST_SCREEN = 50
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _relative(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def test_the_pages_are_the_planned_ones() -> None:
    assert sorted(p.name for p in DOCS.glob("*.md")) == sorted(PAGES)
    assert README.read_text().count("](docs/") >= len(PAGES)


def test_the_readme_is_short_and_its_first_screen_answers_what_how_and_where() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= README_MAX_LINES
    first_screen = "\n".join(lines[:FIRST_SCREEN])
    assert "AWS Lambda" in first_screen and "cold start" in first_screen
    assert "make local" in first_screen and "make test" in first_screen
    assert "#test-your-sdk" in first_screen
    assert "make bench HEAD=" in first_screen
    assert "```mermaid" in first_screen


@pytest.mark.parametrize("name", PAGES)
def test_each_page_opens_with_a_short_summary(name: str) -> None:
    lines = (DOCS / name).read_text().splitlines()
    assert len(lines) <= PAGE_MAX_LINES, f"{name}: {len(lines)} lines; split it"
    assert lines[0].startswith("# "), f"{name} starts with its title"
    assert lines[1] == "", name
    summary = []
    for line in lines[2:]:
        if not line.strip():
            break
        summary.append(line)
    assert 1 <= len(summary) <= 3, f"{name}: the summary under the title is {len(summary)} lines"
    assert not any(line.startswith(("#", "|", "```", "-")) for line in summary), name


OTHER_MARKDOWN = (REPO_ROOT / "CHANGELOG.md", REPO_ROOT / "layer" / "README.md")


@pytest.mark.parametrize("page", [*doc_pages(), *OTHER_MARKDOWN], ids=_relative)
def test_prose_lines_fit_the_width(page: Path) -> None:
    text = page.read_text()
    long = [
        f"{_relative(page)}:{number}: {len(line)} characters"
        for number, (line, in_code) in enumerate(
            zip(text.splitlines(), code_lines(text), strict=True), start=1
        )
        if not in_code and not line.lstrip().startswith("|") and len(line) > LINE_MAX
    ]
    assert long == []


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lowercased, punctuation dropped, spaces to hyphens."""
    text = page.read_text()
    anchors: set[str] = set()
    for line, in_code in zip(text.splitlines(), code_lines(text), strict=True):
        match = _HEADING.match(line)
        if match and not in_code:
            title = re.sub(r"`|\*\*|\[|\]\([^)]*\)", "", match[2]).lower()
            slug = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
            anchors.add(slug)
    return anchors


@pytest.mark.parametrize("page", [*doc_pages(), *OTHER_MARKDOWN], ids=_relative)
def test_relative_links_and_anchors_resolve(page: Path) -> None:
    text = page.read_text()
    prose = "\n".join(
        line
        for line, in_code in zip(text.splitlines(), code_lines(text), strict=True)
        if not in_code
    )
    broken = []
    for target in _LINK.findall(prose):
        if re.match(r"^[a-z]+:", target):
            continue
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: {_relative(linked)} has no heading #{anchor}")
    assert broken == [], _relative(page)


def test_the_anchor_reader_follows_github() -> None:
    page = DOCS / "suite-and-report.md"
    assert "thresholds-judge-the-sdk-not-the-machine" in _anchors(page)
    assert "reports-sdkversion-x-not-y" in _anchors(DOCS / "troubleshooting.md")
    assert "the-sdks-own-repository" in _anchors(DOCS / "ci-and-bootstrap.md")


def test_the_layer_readme_points_to_the_layer_page() -> None:
    text = (REPO_ROOT / "layer" / "README.md").read_text()
    assert "../docs/layer.md" in text
    assert len(text.splitlines()) <= 5
