"""Lambda's Python runtimes as dated facts: when each is deprecated, and when Lambda stops
letting anyone create, then update, a function on it.

Source: the AWS Lambda Developer Guide, "Lambda runtimes", table "Supported runtimes" (Python
rows; the same rows are on "Building Lambda functions with Python"):
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
Reviewed on `TABLE_REVIEWED`. Copies of that page disagree on python3.11: translations list
deprecation 2026-06-30, create blocked 2026-07-31, update blocked 2026-08-31, and a later English
copy moves all three a year on. This table keeps the earlier dates: refusing a runtime that may
still be creatable costs nothing (python3.12 and python3.13 are current), accepting one that is
blocked fails every CreateFunction of the first real `pulumi up`.

Who reads it: the program (`infra.settings` refuses a runtime blocked by `TABLE_REVIEWED`; the
program never reads the clock, so its view moves only when this table is reviewed), the layer
builder and the local runtime (the runtimes they take), docs/settings.md's runtime table (a test
keeps them equal), and, through its own copy (`policy/hhguard/runtimes.py`, pinned by
tests/policy/test_agreement.py), the policy pack, which reads the clock at preview time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final

TABLE_REVIEWED: Final = date(2026, 11, 29)
SOURCE_URL: Final = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"


@dataclass(frozen=True)
class PythonRuntime:
    identifier: str
    operating_system: str
    deprecated: date
    create_blocked: date
    update_blocked: date

    @property
    def python_version(self) -> str:
        """`3.13` for `python3.13`."""
        return self.identifier.removeprefix("python")

    def creatable_on(self, day: date) -> bool:
        return day < self.create_blocked


PYTHON_RUNTIMES: Final = MappingProxyType(
    {
        runtime.identifier: runtime
        for runtime in (
            PythonRuntime(
                "python3.10",
                "Amazon Linux 2",
                date(2026, 10, 31),
                date(2026, 11, 30),
                date(2027, 1, 15),
            ),
            PythonRuntime(
                "python3.11",
                "Amazon Linux 2",
                date(2026, 6, 30),
                date(2026, 7, 31),
                date(2026, 8, 31),
            ),
            PythonRuntime(
                "python3.12",
                "Amazon Linux 2023",
                date(2028, 10, 31),
                date(2028, 11, 30),
                date(2029, 1, 10),
            ),
            PythonRuntime(
                "python3.13",
                "Amazon Linux 2023",
                date(2029, 6, 30),
                date(2029, 7, 31),
                date(2029, 8, 31),
            ),
            PythonRuntime(
                "python3.14",
                "Amazon Linux 2023",
                date(2029, 6, 30),
                date(2029, 7, 31),
                date(2029, 8, 31),
            ),
        )
    }
)

# What the test bed offers: every runtime Lambda still lets you create. Each layer's bytecode is
# compiled, and its functions run locally, by the runtime's own interpreter: the installed one
# (pyenv/PATH) where there is one, else CPython from Debian's packages (`layer.provider`); on
# arm64, Debian's under qemu-user, and python3.12 on arm64, which no reachable package provides,
# gets the layer's static checks only.
OFFERED_RUNTIMES: Final = ("python3.12", "python3.13", "python3.14")
# Not python3.14: here its interpreter is Debian's build, not an installed CPython, and most of
# the SDK's users run 3.13; a stack chooses 3.14 with `runtime` or `functionRuntimes`.
DEFAULT_RUNTIME: Final = "python3.13"
