"""`python -m harness render` as a user runs it, and the config assembly behind it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.program.render import render
from infra.spec import REPO_ROOT
from infra.stack_config import ConfigFileError, load_stack_config, parse_overrides


def run_render(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "render", *args],
        cwd=REPO_ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_render_json_lists_the_stack(fixture_layer_dir: Path) -> None:
    result = run_render(
        "--stack",
        "ci",
        "--json",
        "--set",
        f"layerArtifactDir={fixture_layer_dir}",
        env={"HH_API_KEY": "hh-cli-sentinel-77"},
    )
    assert result.returncode == 0, result.stderr
    assert "hh-cli-sentinel-77" not in result.stdout + result.stderr
    document = json.loads(result.stdout)
    types = [r["type"] for r in document["resources"]]
    assert types.count("aws:lambda/function:Function") == 4
    assert types.count("aws:iam/role:Role") == 4
    assert types.count("aws:iam/rolePolicy:RolePolicy") == 4
    assert types.count("aws:cloudwatch/logGroup:LogGroup") == 4
    assert types.count("aws:lambda/layerVersion:LayerVersion") == 1
    assert set(document["outputs"]) == {"functions", "layerArns", "region", "sdk"}
    functions = [r for r in document["resources"] if r["type"] == "aws:lambda/function:Function"]
    assert all(f["inputs"]["name"].startswith("honeyhive-ci-") for f in functions)
    assert {f["inputs"].get("environment") for f in functions} == {"[secret]", None}


def test_render_table_names_every_resource(fixture_layer_dir: Path) -> None:
    result = run_render("--stack", "ci", "--set", f"layerArtifactDir={fixture_layer_dir}")
    assert result.returncode == 0, result.stderr
    assert "honeyhive-ci-working-sdk-test-role" in result.stdout
    assert "18 resources (10 components) for stack 'ci'" in result.stdout


def test_render_refusal_exits_1_quoting_the_program(fixture_layer_dir: Path) -> None:
    result = run_render(
        "--stack",
        "ci",
        "--set",
        "runtime=python3.8",
        "--set",
        f"layerArtifactDir={fixture_layer_dir}",
    )
    assert result.returncode == 1
    offered = "python3.12, python3.13, python3.14"
    assert f"runtime = 'python3.8': must be one of {offered}" in result.stderr
    assert "Traceback" not in result.stderr


def test_render_rejects_a_malformed_set() -> None:
    result = run_render("--stack", "ci", "--set", "runtime")
    assert result.returncode == 2
    assert "expected key=value" in result.stderr


def test_config_layers_defaults_stack_file_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: demo\nruntime: python\nconfig:\n"
        "  aws:region: eu-west-1\n"
        "  size: {type: integer, default: 2}\n"
        "  token: {type: string, secret: true}\n"
        "  tags: {value: {a: 1}}\n"
    )
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  demo:size: 3\n  demo:password: {secure: v1:abc}\n  demo:flag: true\n"
    )
    config = load_stack_config(tmp_path, "dev", {"size": "4", "aws:region": "us-west-2"})
    assert config.project == "demo"
    assert config.main == tmp_path / "__main__.py"
    assert dict(config.values) == {
        "aws:region": "us-west-2",
        "demo:size": "4",
        "demo:tags": '{"a": 1}',
        "demo:flag": "true",
    }
    assert config.secret_keys == {"demo:token", "demo:password"}


def test_config_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="is not a Pulumi project"):
        load_stack_config(tmp_path, "dev")
    (tmp_path / "Pulumi.yaml").write_text("- not a mapping\n")
    with pytest.raises(ConfigFileError, match="must hold a YAML mapping"):
        load_stack_config(tmp_path, "dev")
    with pytest.raises(ConfigFileError, match="expected key=value"):
        parse_overrides(["=x"])
    assert parse_overrides(["a=b=c", "d="]) == {"a": "b=c", "d": ""}


def test_a_declared_key_without_default_must_be_set_as_the_cli_demands(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: demo\nruntime: python\nconfig:\n  size: {type: integer}\n"
    )
    (tmp_path / "__main__.py").write_text(
        "import pulumi\npulumi.export('size', pulumi.Config().require('size'))\n"
    )
    with pytest.raises(ConfigFileError, match=r"missing configuration value\(s\) demo:size"):
        render("dev", program_dir=tmp_path)
    assert render("dev", program_dir=tmp_path, overrides={"size": "3"}).outputs == {"size": "3"}
