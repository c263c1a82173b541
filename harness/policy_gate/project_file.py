"""What `Pulumi.yaml` and the stack's file tell the CLI to run, judged before the program runs.

These files are part of the pull request, and the CLI acts on them before any resource exists:
`runtime` picks the language host (the gate runs `__main__.py` with Python; the CLI would run
whatever else is named), `runtime.options` a toolchain and virtualenv, `plugins` and `packages`
install provider binaries that run as the AWS provider with CI's credentials, `backend` and
`stackConfigDir` move the state and the config elsewhere, a stack file's `environment` pulls in
Pulumi ESC values (config and environment variables the gate cannot see), and `main` may point
outside the checkout. So both files are allowlists: anything else is refused, by name, before
the program runs. The `aws:*` config they set is the policy pack's to judge (aws-provider-config).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import yaml

PROJECT_KEYS: Final = frozenset({"name", "description", "runtime", "config", "main"})
RUNTIME_OPTIONS: Final = frozenset({"toolchain", "virtualenv"})
TOOLCHAINS: Final = ("pip",)
VIRTUALENVS: Final = (".venv", "../.venv")
STACK_FILE_KEYS: Final = frozenset({"config", "secretsprovider", "encryptedkey", "encryptionsalt"})
CONFIG_NAMESPACES: Final = ("aws",)


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        return exc


def _runtime_problems(runtime: Any, where: str) -> Iterator[str]:
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if name != "python":
        yield (
            f"{where}: runtime {name!r} is not python: the gate judges `__main__.py` run by "
            "Python while the CLI would run another program; set `runtime: python`"
        )
    options = runtime.get("options") if isinstance(runtime, dict) else None
    if options is None:
        return
    if not isinstance(options, dict):
        yield f"{where}: runtime.options must be a mapping of {sorted(RUNTIME_OPTIONS)}"
        return
    for key in sorted(set(options) - RUNTIME_OPTIONS):
        yield f"{where}: runtime.options.{key} is not allowed (only {sorted(RUNTIME_OPTIONS)})"
    if "toolchain" in options and options["toolchain"] not in TOOLCHAINS:
        yield f"{where}: runtime.options.toolchain {options['toolchain']!r}: use pip"
    if "virtualenv" in options and options["virtualenv"] not in VIRTUALENVS:
        yield (
            f"{where}: runtime.options.virtualenv {options['virtualenv']!r} is not the "
            f"repository's virtualenv ({' or '.join(VIRTUALENVS)}): the CLI would run its "
            "bin/python as the program's interpreter"
        )


def _config_problems(config: Any, project: str, where: str) -> Iterator[str]:
    if not isinstance(config, Mapping):
        return
    for key in config:
        namespace = str(key).partition(":")[0] if ":" in str(key) else project
        if namespace not in (project, *CONFIG_NAMESPACES):
            yield (
                f"{where}: config key {key!r} is in namespace {namespace!r}; only the project's "
                f"own keys and {', '.join(f'{n}:*' for n in CONFIG_NAMESPACES)} are allowed"
            )


def _main_problem(main: Any, program_dir: Path, where: str) -> str | None:
    if main is None:
        return None
    target = (program_dir / str(main)).resolve()
    if Path(str(main)).is_absolute() or not target.is_relative_to(program_dir.resolve()):
        return f"{where}: main {main!r} points outside the program's directory; remove it"
    return None


def project_file_problems(program_dir: Path, stack: str) -> list[str]:
    """Everything in `Pulumi.yaml` and `Pulumi.<stack>.yaml` the CLI would act on beyond what
    the gate judges; each message names the file, the key and the fix."""
    problems: list[str] = []
    project_path = program_dir / "Pulumi.yaml"
    data = _read(project_path)
    if not isinstance(data, dict):
        return [f"{project_path}: cannot be read as a YAML mapping ({data})"]
    where = "Pulumi.yaml"
    for key in sorted(set(data) - PROJECT_KEYS):
        problems.append(
            f"{where}: `{key}` is not allowed (only {sorted(PROJECT_KEYS)}): `plugins` and "
            "`packages` run provider binaries with CI's credentials, `backend` and "
            "`stackConfigDir` move state and config; remove it"
        )
    problems += _runtime_problems(data.get("runtime"), where)
    project = str(data.get("name") or "")
    problems += _config_problems(data.get("config"), project, where)
    if problem := _main_problem(data.get("main"), program_dir, where):
        problems.append(problem)
    stack_path = program_dir / f"Pulumi.{stack}.yaml"
    if stack_path.is_file():
        stack_data = _read(stack_path)
        where = stack_path.name
        if not isinstance(stack_data, dict):
            return [*problems, f"{where}: cannot be read as a YAML mapping ({stack_data})"]
        for key in sorted(set(stack_data) - STACK_FILE_KEYS):
            problems.append(
                f"{where}: `{key}` is not allowed (only {sorted(STACK_FILE_KEYS)}): an "
                "`environment` imports Pulumi ESC config and variables the gate cannot see; "
                "remove it"
            )
        problems += _config_problems(stack_data.get("config"), project, where)
    return problems
