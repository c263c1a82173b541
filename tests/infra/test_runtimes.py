"""The runtime table: what the program offers follows from its dates, and docs/settings.md shows
it."""

from __future__ import annotations

import re

from infra.runtimes import (
    DEFAULT_RUNTIME,
    OFFERED_RUNTIMES,
    PYTHON_RUNTIMES,
    TABLE_REVIEWED,
)
from infra.settings import runtime_problem
from infra.spec import REPO_ROOT


def test_offered_runtimes_are_creatable_on_the_review_day() -> None:
    assert DEFAULT_RUNTIME in OFFERED_RUNTIMES
    for runtime in OFFERED_RUNTIMES:
        assert PYTHON_RUNTIMES[runtime].creatable_on(TABLE_REVIEWED)
        assert runtime_problem(runtime) is None
    for runtime, facts in PYTHON_RUNTIMES.items():
        if runtime not in OFFERED_RUNTIMES:
            assert runtime_problem(runtime), runtime
            assert not facts.creatable_on(TABLE_REVIEWED) or facts.deprecated <= TABLE_REVIEWED, (
                f"{runtime} is creatable and current: offer it"
            )


def test_each_runtime_is_deprecated_then_blocked_for_create_then_for_update() -> None:
    for facts in PYTHON_RUNTIMES.values():
        assert facts.deprecated < facts.create_blocked < facts.update_blocked


def test_the_docs_table_shows_the_same_dates() -> None:
    settings_page = (REPO_ROOT / "docs" / "settings.md").read_text()
    for runtime, facts in PYTHON_RUNTIMES.items():
        row = re.search(rf"^\| {re.escape(runtime)} \|(.*)$", settings_page, re.MULTILINE)
        assert row, f"docs/settings.md has no row for {runtime}"
        cells = [cell.strip() for cell in row[1].split("|")]
        assert cells[:4] == [
            facts.operating_system,
            str(facts.deprecated),
            str(facts.create_blocked),
            str(facts.update_blocked),
        ], runtime
        assert cells[4].startswith("offered") == (runtime in OFFERED_RUNTIMES), cells
        assert ("the default" in cells[4]) == (runtime == DEFAULT_RUNTIME), cells
