"""Paths the policy tests share."""

from __future__ import annotations

from pathlib import Path

from infra.spec import REPO_ROOT

POLICY_DIR = REPO_ROOT / "policy"
FIXTURE_PROGRAM = Path(__file__).resolve().parent / "fixtures" / "violations"
FIXTURE_STACK = "fixture"
