"""Paths the policy tests share."""

from __future__ import annotations

from pathlib import Path

from infra.spec import REPO_ROOT

POLICY_DIR = REPO_ROOT / "policy"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_PROGRAM = FIXTURES / "violations"
FIXTURE_STACK = "fixture"
ESCAPES_PROGRAM = FIXTURES / "escapes"
ATTACKS_PROGRAM = FIXTURES / "attacks"
ATTACK_PROJECT = "attack-fixture"
DEPLOY_TIME_PROGRAM = FIXTURES / "deploy_time"
TWO_FACED_PROGRAM = FIXTURES / "two_faced"
