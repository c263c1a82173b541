"""A stack's configuration as the Pulumi CLI would assemble it, read from the files offline.

Project defaults from `Pulumi.yaml`, then `Pulumi.<stack>.yaml`, then `--set key=value`
overrides. Keys without a namespace belong to the project. `secure:` values cannot be decrypted
without the stack's secrets provider; they are recorded as secret and left without a value for
the caller to supply (render takes the HoneyHive key from `HH_API_KEY`).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.errors import InfraError
from infra.settings import StackSettings, parse_settings
from infra.spec import ENV_API_KEY, REPO_ROOT

API_KEY_CONFIG = "hhApiKey"
OFFLINE_SECRET_PLACEHOLDER = "offline-render-placeholder"


def offline_secret(key: str) -> str:
    """The value used offline for a secret config key that has no value here: the HoneyHive
    key from `HH_API_KEY` when set, otherwise a placeholder."""
    if key.rpartition(":")[2] == API_KEY_CONFIG:
        return os.environ.get(ENV_API_KEY) or OFFLINE_SECRET_PLACEHOLDER
    return OFFLINE_SECRET_PLACEHOLDER


class ConfigFileError(InfraError):
    """A Pulumi project or stack file is missing or malformed."""


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    program_dir: Path
    main: Path
    """The program's entry file (`Pulumi.yaml`'s `main`, else `__main__.py`)."""
    values: Mapping[str, str]
    """Full keys (`namespace:key`) to the string the engine would hand the program."""
    secret_keys: frozenset[str]
    """Keys that are secret: `secure:` in the stack file, or declared `secret: true`."""
    required_keys: frozenset[str]
    """Keys `Pulumi.yaml` declares with a type and no default: the CLI refuses a stack that
    has no value for one of them."""


def _as_config_string(value: Any) -> str:
    """Config values reach programs as strings; objects and lists as JSON, booleans lowercase."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigFileError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path} must hold a YAML mapping")
    return data


def _project_defaults(
    project: str, config: Mapping[str, Any]
) -> tuple[dict[str, str], set[str], set[str]]:
    """Default values, the keys declared `secret: true`, and those declared without a default."""
    defaults: dict[str, str] = {}
    secret: set[str] = set()
    required: set[str] = set()
    for key, entry in config.items():
        if isinstance(entry, dict):
            if entry.get("secret") is True:
                secret.add(_full_key(project, key))
            if "type" in entry and "default" not in entry:
                required.add(_full_key(project, key))
            if "value" in entry:
                defaults[_full_key(project, key)] = _as_config_string(entry["value"])
            elif "default" in entry:
                defaults[_full_key(project, key)] = _as_config_string(entry["default"])
        elif entry is not None:
            defaults[_full_key(project, key)] = _as_config_string(entry)
    return defaults, secret, required


def add_set_argument(
    parser: argparse.ArgumentParser,
    help: str = "override a config value (key without namespace = the project's), repeatable",
) -> None:
    """`--set KEY=VALUE` (repeatable) into `args.overrides`; parse with
    `infra.stack_config.parse_overrides`."""
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=help
    )


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """`key=value` strings (from `--set`) to a mapping; the value may contain `=`."""
    overrides: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigFileError(
                f"--set {item!r}: expected key=value, e.g. --set runtime=python3.12"
            )
        overrides[key.strip()] = value
    return overrides


def load_stack_config(
    program_dir: Path, stack: str, overrides: Mapping[str, str] | None = None
) -> StackConfig:
    project_file = program_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise ConfigFileError(f"{program_dir} is not a Pulumi project: {project_file} is missing")
    project_data = _read_yaml(project_file)
    project = str(project_data.get("name") or "")
    if not project:
        raise ConfigFileError(f"{project_file} has no `name`")
    main_dir = program_dir / str(project_data.get("main") or ".")
    main = main_dir if main_dir.suffix == ".py" else main_dir / "__main__.py"

    values, secret_keys, required = _project_defaults(project, project_data.get("config") or {})
    stack_file = program_dir / f"Pulumi.{stack}.yaml"
    stack_values = (_read_yaml(stack_file).get("config") or {}) if stack_file.is_file() else {}
    for key, value in stack_values.items():
        full = _full_key(project, key)
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret_keys.add(full)  # its value cannot be decrypted here
            values.pop(full, None)
        else:
            values[full] = _as_config_string(value)
    for key, value in (overrides or {}).items():
        full = _full_key(project, key)
        values[full] = value
    return StackConfig(
        project=project,
        stack=stack,
        program_dir=program_dir,
        main=main,
        values=values,
        secret_keys=frozenset(secret_keys),
        required_keys=frozenset(required),
    )


def stack_settings(
    stack: str, *, program_dir: Path | None = None, overrides: Mapping[str, str] | None = None
) -> StackSettings:
    """The settings the program would use for `stack`, without running it (the layer builder
    needs them); secrets unknown here get placeholders (nothing that needs the settings alone
    reads them). Raises `SettingsError`."""
    config = load_stack_config(program_dir or REPO_ROOT, stack, overrides)
    values = dict(config.values)
    for key in config.secret_keys - set(values):
        values[key] = offline_secret(key)
    return parse_settings(stack, values)
