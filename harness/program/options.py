"""The options every command that renders a stack shares (render, policy, local serve), and
the run's time limit (render, policy)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

from infra.spec import REPO_ROOT
from infra.stack_config import add_set_argument

# Here, not in render.py, so that a command's argument parser does not import Pulumi (render
# does, which costs a command such as `harness local invoke --help` 0.4 s).
DEFAULT_TIMEOUT_SECONDS: Final = 300.0


def add_stack_arguments(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--program", type=Path, default=REPO_ROOT, help="Pulumi project directory (default: repo)"
    )
    parser.add_argument("--stack", required=required, help="stack name, e.g. ci or gh-my-branch")
    add_set_argument(parser)


def add_timeout_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help=f"seconds the program may run (default {DEFAULT_TIMEOUT_SECONDS:g}); longer fails",
    )
