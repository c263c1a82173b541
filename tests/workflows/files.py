"""The repository's GitHub workflow files, read as YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from infra.spec import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
SDK_CALLER = REPO_ROOT / "examples" / "sdk-repository-workflow.yml"
"""The sample workflow the SDK's repository copies to call deploy.yml."""


def load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text())
    return data
