"""Lambda's Python runtimes as dated facts, and the pack's reading of the clock.

A copy of the program's `infra/runtimes.py` (the CLI runs the pack without the program on its
path; tests/policy/test_agreement.py pins the copy). Source: the AWS Lambda Developer Guide,
"Lambda runtimes", https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html

Unlike the program, the pack reads the clock: it runs at preview time, so a runtime whose
create-block date passes after a program was written is still caught. The `asOf` setting
replaces the clock (a fixed day for tests and for reproducing an old verdict).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Final, NamedTuple


class RuntimeDates(NamedTuple):
    deprecated: date
    create_blocked: date
    update_blocked: date


PYTHON_RUNTIME_DATES: Final = {
    "python3.10": RuntimeDates(date(2026, 10, 31), date(2026, 11, 30), date(2027, 1, 15)),
    "python3.11": RuntimeDates(date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31)),
    "python3.12": RuntimeDates(date(2028, 10, 31), date(2028, 11, 30), date(2029, 1, 10)),
    "python3.13": RuntimeDates(date(2029, 6, 30), date(2029, 7, 31), date(2029, 8, 31)),
    "python3.14": RuntimeDates(date(2029, 6, 30), date(2029, 7, 31), date(2029, 8, 31)),
}
SOURCE_URL: Final = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"


def today(settings: Any) -> date:
    """The `asOf` setting (YYYY-MM-DD) when set, else today's date in UTC."""
    as_of = str(settings.get("asOf") or "")
    return date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
