"""The `snapStart` setting: what the program declares with it on (under Pulumi's mock monitor),
that nothing changes with it off, and what SnapStart refuses."""

from __future__ import annotations

import pytest

from harness.program.capture import Capture, reveal
from infra.settings import SettingsError
from infra.snapstart import (
    HOOKED_HANDLER,
    SNAPSTART_ALIAS,
    SnapStartShape,
    runtime_supports_snapstart,
    snapstart_problems,
)
from infra.spec import FUNCTIONS
from infra.stack_config import stack_settings
from tests.infra.conftest import RenderStack

FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"
SDK_KEYS = sorted(k for k, s in FUNCTIONS.items() if s.uses_sdk)


def functions_by_name(capture: Capture) -> dict[str, dict[str, object]]:
    return {str(r.inputs["name"]): dict(r.inputs) for r in capture.of_type(FUNCTION)}


@pytest.fixture
def snap(render_stack: RenderStack) -> Capture:
    return render_stack("ci", snapStart="true")


def test_off_by_default_nothing_is_published(render_stack: RenderStack) -> None:
    capture = render_stack("ci")
    assert not capture.of_type(ALIAS)
    for inputs in functions_by_name(capture).values():
        assert not inputs.get("publish")
        assert inputs.get("snapStart") is None
    assert "snapStart" not in capture.outputs


def test_explicit_false_declares_exactly_what_the_default_does(render_stack: RenderStack) -> None:
    default, off = render_stack("ci"), render_stack("ci", snapStart="false")

    def declared(capture: Capture) -> list[str]:
        return sorted(repr((r.type, r.name, reveal(r.inputs))) for r in capture.resources)

    assert declared(off) == declared(default)
    assert off.outputs == default.outputs


def test_on_each_sdk_function_is_published_with_snapstart_and_aliased(snap: Capture) -> None:
    functions = functions_by_name(snap)
    for key in SDK_KEYS:
        inputs = functions[f"honeyhive-ci-{FUNCTIONS[key].slug}"]
        assert inputs["publish"] is True, key
        assert inputs["snapStart"] == {"applyOn": "PublishedVersions"}, key
    baseline = functions["honeyhive-ci-baseline"]
    assert not baseline.get("publish") and baseline.get("snapStart") is None
    aliases = snap.of_type(ALIAS)
    assert {a.inputs["name"] for a in aliases} == {SNAPSTART_ALIAS}
    assert len(aliases) == len(SDK_KEYS) + 1  # and the hooked variant


def test_on_the_hooked_variant_runs_the_hooks_handler_on_the_same_layer(snap: Capture) -> None:
    functions = functions_by_name(snap)
    hooked = functions["honeyhive-ci-working-sdk-test-hooked"]
    plain = functions["honeyhive-ci-working-sdk-test"]
    assert hooked["handler"] == HOOKED_HANDLER
    assert plain["handler"] == "working_sdk_test.lambda_handler"
    assert hooked["layers"] == plain["layers"]
    assert hooked["snapStart"] == {"applyOn": "PublishedVersions"}
    assert reveal(hooked["environment"]) == reveal(plain["environment"])


def test_on_outputs_name_the_qualified_arns_the_suite_invokes(snap: Capture) -> None:
    out = reveal(snap.outputs["snapStart"])
    assert out["alias"] == SNAPSTART_ALIAS
    assert sorted(out["functions"]) == SDK_KEYS
    for entry in [*out["functions"].values(), out["hooked"]]:
        assert entry["qualifiedArn"].endswith(f":{SNAPSTART_ALIAS}"), entry
        assert not entry["unqualifiedArn"].endswith(f":{SNAPSTART_ALIAS}")
        assert entry["version"]
    assert out["hooked"]["handler"] == HOOKED_HANDLER
    assert out["hooked"]["function"]["name"] == "honeyhive-ci-working-sdk-test-hooked"
    # the on-demand side ($LATEST) stays in `functions`, unchanged
    assert sorted(reveal(snap.outputs["functions"])) == sorted(FUNCTIONS)


def test_a_value_that_is_not_a_boolean_is_refused() -> None:
    with pytest.raises(SettingsError) as info:
        stack_settings("ci", overrides={"snapStart": "yes", "hhApiKey": "k"})
    assert "snapStart = 'yes': must be true or false" in str(info.value)


@pytest.mark.parametrize(
    ("runtime", "supported"),
    [
        ("python3.12", True),
        ("python3.13", True),
        ("python3.14", True),
        ("python3.11", False),
        ("python3.9", False),
        ("nodejs22.x", False),
        ("python3", False),
    ],
)
def test_snapstart_runtimes(runtime: str, supported: bool) -> None:
    assert runtime_supports_snapstart(runtime) is supported


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        (SnapStartShape("f", "python3.11"), "runtime 'python3.11' has no SnapStart"),
        (SnapStartShape("f", "python3.13", ephemeral_storage_mb=1024), "ephemeral storage 1024 MB"),
        (SnapStartShape("f", "python3.13", file_systems=1), "cannot be used with Amazon EFS"),
        (
            SnapStartShape("f", "python3.13", provisioned_concurrency=2),
            "cannot be used with provisioned concurrency",
        ),
    ],
)
def test_what_snapstart_refuses_is_named_with_its_fix(shape: SnapStartShape, expected: str) -> None:
    problems = snapstart_problems(shape)
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].startswith("f: ") and "snapStart false" in problems[0]


def test_a_function_snapstart_accepts_has_no_problem() -> None:
    assert snapstart_problems(SnapStartShape("f", "python3.12", ephemeral_storage_mb=512)) == []
