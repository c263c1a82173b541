"""The options every command that renders a stack shares (render, policy, local serve)."""

from __future__ import annotations

import argparse
from pathlib import Path

from infra.spec import REPO_ROOT
from infra.stack_config import add_set_argument


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--program", type=Path, default=REPO_ROOT, help="Pulumi project directory (default: repo)"
    )
    parser.add_argument("--stack", required=True, help="stack name, e.g. ci or gh-my-branch")
    add_set_argument(parser)
