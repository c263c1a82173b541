"""A stack's validated settings without running the program (for `python -m layer --stack`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from harness.stack_config import load_stack_config, offline_secret
from infra.settings import REPO_ROOT, Settings, parse_settings


def stack_settings(
    stack: str, *, program_dir: Path = REPO_ROOT, overrides: Mapping[str, str] | None = None
) -> Settings:
    """The settings the program would use for `stack`; secrets unknown here get placeholders
    (nothing that needs the settings alone reads them). Raises `SettingsError`."""
    config = load_stack_config(program_dir, stack, overrides)
    values = dict(config.values)
    for key in config.secret_keys - set(values):
        values[key] = offline_secret(key)
    return parse_settings(stack, values)
