"""`baseSdk`: the benchmark's base, working_sdk_test again on a layer of the base SDK, in the
same stack, so both SDKs run interleaved on Lambda (docs/benchmark.md, "On AWS")."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from harness.program.errors import ProgramRefused
from harness.program.render import render
from infra import naming
from infra.spec import BENCH_FUNCTION, FUNCTIONS
from tests.infra.conftest import RenderStack
from tests.infra.test_stack import FUNCTION, LAYER, LOG_GROUP, ROLE, ROLE_POLICY, one

BASE = f"{BENCH_FUNCTION}_base"


def test_no_base_by_default(render_stack: RenderStack) -> None:
    capture = render_stack("ci")
    assert "base" not in capture.outputs
    assert not [r for r in capture.resources if r.name.endswith("base") or "base-" in r.name]


def test_the_base_is_the_bench_function_on_the_base_layer(
    render_stack: RenderStack, fixture_layer_dir: Path
) -> None:
    capture = render_stack(
        "ci",
        baseSdk="locked",
        baseLayerArtifactDir=str(fixture_layer_dir),
        functionRuntimes=json.dumps({BENCH_FUNCTION: "python3.12"}),
    )
    counts = Counter(r.type for r in capture.resources)
    assert (counts[FUNCTION], counts[ROLE], counts[ROLE_POLICY], counts[LOG_GROUP]) == (5, 5, 5, 5)
    assert counts[LAYER] == 3, "python3.12 and python3.13 for the stack, python3.12 for the base"
    spec = FUNCTIONS[BENCH_FUNCTION]
    base, head = one(capture, FUNCTION, BASE), one(capture, FUNCTION, BENCH_FUNCTION)
    assert base.inputs["name"] == "honeyhive-ci-working-sdk-test-base"
    assert naming.role_name("ci", spec, "base") == "honeyhive-ci-working-sdk-test-base-role"
    base_layer = one(capture, LAYER, "base-python3-12")
    assert base_layer.inputs["layerName"] == "honeyhive-ci-sdk-base-python3-12"
    assert base_layer.inputs["code"].path == fixture_layer_dir / "python3.12-x86_64" / "layer.zip"
    # The same function in every respect but its layer and its names.
    same = ("handler", "runtime", "memorySize", "timeout", "architectures", "environment")
    assert {k: base.inputs.get(k) for k in same} == {k: head.inputs.get(k) for k in same}
    assert base.inputs["runtime"] == "python3.12"
    assert len(base.inputs["layers"]) == 1
    assert capture.outputs["base"]["sdk"] == {
        "version": "1.7.0", "kind": "release", "commit": "", "dirty": False,
    }  # fmt: skip
    assert capture.outputs["base"]["function"]["name"] == "honeyhive-ci-working-sdk-test-base"
    assert set(capture.outputs["functions"]) == set(FUNCTIONS), "the contract's map is unchanged"


def test_a_missing_base_layer_names_the_key_and_the_command(
    render_stack: RenderStack, tmp_path: Path
) -> None:
    with pytest.raises(ProgramRefused, match=r"has not been built.*make layer STACK=ci` \(it "
                       r"builds the baseSdk layer too\)"):  # fmt: skip
        render_stack("ci", baseSdk="honeyhive==1.6.1", baseLayerArtifactDir=str(tmp_path))


def test_a_base_layer_of_another_sdk_is_refused(fixture_layer_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(fixture_layer_dir, tmp_path / "base")
    with pytest.raises(ProgramRefused, match=r"names in baseSdk: it holds a release SDK, the "
                       r"stack names requirement 'honeyhive==1.6.1'"):  # fmt: skip
        render(
            "ci",
            overrides={
                "layerArtifactDir": str(fixture_layer_dir),
                "baseSdk": "honeyhive==1.6.1",
                "baseLayerArtifactDir": str(tmp_path / "base"),
            },
        )


def test_a_bad_base_sdk_is_a_config_error(render_stack: RenderStack) -> None:
    with pytest.raises(ProgramRefused, match=r"baseSdk = 'requests==2': SDK 'requests==2' asks"):
        render_stack("ci", baseSdk="requests==2")
