"""The program: validate the config, then declare the provider, the layers and the functions.

Nothing is declared until every setting, the layer artefacts and the handler sources have been
checked, so a bad value fails the run before any resource exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pulumi.runtime.config import CONFIG, get_config_env

from infra import naming
from infra.artifact import ArtifactError, LayerArtifact, load_artifact
from infra.code import CodeError, function_code
from infra.function import TestFunction, TestFunctionArgs
from infra.layer import SdkLayer, SdkLayerArgs
from infra.settings import SettingsError, StackSettings, parse_settings
from infra.snapstart import HOOKED_HANDLER, HOOKED_VARIANT, SNAPSTART_ALIAS
from infra.spec import (
    BASE_FUNCTION_SUFFIX,
    BENCH_FUNCTION,
    ENV_API_KEY,
    ENV_API_URL,
    ENV_PROJECT,
    ENV_SOURCE,
    ENV_TEST_MODE,
    FLUSH_TIMEOUT_ENV,
    FUNCTIONS,
    REPO_ROOT,
    FunctionSpec,
)
from infra.tags import layer_description, stack_tags

HANDLERS_DIR = REPO_ROOT / "lambda_functions"


def _program_config() -> dict[str, str]:
    """Every config value the engine passed in. The SDK has no public way to list them, and
    listing them is how a misspelt key (`logRetentionDay`) is caught instead of ignored."""
    return {**get_config_env(), **CONFIG.get()}


def sdk_environment(
    settings: StackSettings, api_key: pulumi.Output[str]
) -> dict[str, pulumi.Input[str]]:
    env: dict[str, pulumi.Input[str]] = {
        ENV_API_KEY: api_key,
        ENV_PROJECT: settings.hh_project,
        ENV_SOURCE: settings.hh_source,
        ENV_TEST_MODE: "false",
        FLUSH_TIMEOUT_ENV: str(settings.flush_timeout_ms),
    }
    if settings.hh_api_url:
        env[ENV_API_URL] = settings.hh_api_url
    return env


class TestBed(pulumi.ComponentResource):
    """The layers and the four functions of one stack; with `baseSdk`, the benchmark's base:
    BENCH_FUNCTION again, on a layer of the base SDK."""

    layers: dict[str, SdkLayer]
    functions: dict[str, TestFunction]
    base_layer: SdkLayer | None
    base_function: TestFunction | None
    hooked_function: TestFunction | None
    """With `snapStart`: BENCH_FUNCTION again, with the SnapStart runtime hooks registered."""

    def __init__(
        self,
        name: str,
        *,
        settings: StackSettings,
        artifacts: Mapping[str, LayerArtifact],
        base_artifact: LayerArtifact | None,
        code: pulumi.Archive,
        api_key: pulumi.Output[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("honeyhive:lambda:TestBed", name, None, opts)
        self._settings, self._code = settings, code
        self._env = sdk_environment(settings, api_key)
        self.layers = {
            runtime: self._layer(naming.slug(runtime), runtime, artifact)
            for runtime, artifact in artifacts.items()
        }
        self.functions = {}
        for key, spec in FUNCTIONS.items():
            runtime = settings.function_runtimes[key]
            layers = [self.layers[runtime].version.arn] if spec.uses_sdk else []
            self.functions[key] = self._function(key, spec, runtime, layers)
        self.hooked_function = None
        if settings.snap_start:
            runtime = settings.function_runtimes[BENCH_FUNCTION]
            self.hooked_function = self._function(
                f"{BENCH_FUNCTION}_{HOOKED_VARIANT}",
                FUNCTIONS[BENCH_FUNCTION],
                runtime,
                [self.layers[runtime].version.arn],
                variant=HOOKED_VARIANT,
                handler=HOOKED_HANDLER,
            )
        self.base_layer = self.base_function = None
        if base_artifact is not None:
            runtime = settings.base_runtime
            self.base_layer = self._layer(
                f"{BASE_FUNCTION_SUFFIX}-{naming.slug(runtime)}",
                runtime,
                base_artifact,
                variant=BASE_FUNCTION_SUFFIX,
            )
            self.base_function = self._function(
                f"{BENCH_FUNCTION}_{BASE_FUNCTION_SUFFIX}",
                FUNCTIONS[BENCH_FUNCTION],
                runtime,
                [self.base_layer.version.arn],
                variant=BASE_FUNCTION_SUFFIX,
            )
        self.register_outputs({})

    def _layer(
        self, name: str, runtime: str, artifact: LayerArtifact, variant: str = ""
    ) -> SdkLayer:
        return SdkLayer(
            name,
            SdkLayerArgs(
                naming.layer_name(self._settings.stack, runtime, variant),
                artifact,
                layer_description(self._settings, artifact.sdk.description()),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _function(
        self,
        name: str,
        spec: FunctionSpec,
        runtime: str,
        layers: list[pulumi.Input[str]],
        *,
        variant: str = "",
        handler: str = "",
    ) -> TestFunction:
        settings, stack = self._settings, self._settings.stack
        function_name = naming.function_name(stack, spec, variant)
        return TestFunction(
            name,
            TestFunctionArgs(
                spec=spec,
                function_name=function_name,
                role_name=naming.role_name(stack, spec, variant),
                role_policy_name=naming.role_policy_name(stack, spec, variant),
                permissions_boundary=settings.permissions_boundary,
                log_group_name=naming.log_group_name(function_name),
                runtime=runtime,
                architecture=settings.architecture,
                code=self._code,
                environment=self._env if spec.uses_sdk else {},
                layers=layers,
                log_retention_days=settings.log_retention_days,
                log_format=settings.log_format,
                handler=handler,
                snap_start=settings.snap_start and spec.uses_sdk,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def snapstart_outputs(self) -> dict[str, object] | None:
        """With `snapStart`: per SDK function (and the hooked variant) the alias's qualified ARN
        the suite invokes, and the published version behind it; None without."""
        if self.hooked_function is None:
            return None
        published = {k: f for k, f in self.functions.items() if f.alias is not None}
        return {
            "alias": SNAPSTART_ALIAS,
            "functions": {k: _snapstart_output(f) for k, f in published.items()},
            "hooked": {
                "of": BENCH_FUNCTION,
                "handler": HOOKED_HANDLER,
                "function": _function_output(self.hooked_function),
                **_snapstart_output(self.hooked_function),
            },
        }

    def function_outputs(self) -> dict[str, pulumi.Output[dict[str, object]]]:
        return {key: _function_output(f) for key, f in self.functions.items()}


def _function_output(f: TestFunction) -> pulumi.Output[dict[str, object]]:
    return pulumi.Output.all(
        name=f.function.name,
        arn=f.function.arn,
        runtime=f.function.runtime,
        memorySize=f.function.memory_size,
        timeout=f.function.timeout,
        logGroup=f.log_group.name,
    )


def _snapstart_output(f: TestFunction) -> dict[str, pulumi.Input[str]]:
    assert f.alias is not None
    return {
        "qualifiedArn": f.alias.arn,
        "version": f.alias.function_version,
        "unqualifiedArn": f.function.arn,
    }


@dataclass(frozen=True)
class _Inputs:
    settings: StackSettings
    artifacts: dict[str, LayerArtifact]
    base_artifact: LayerArtifact | None
    code: pulumi.Archive


def _validated() -> _Inputs:
    settings = parse_settings(pulumi.get_stack(), _program_config())
    artifacts = {
        runtime: load_artifact(
            settings.layer_artifact_dir,
            runtime,
            settings.architecture,
            settings.stack,
            settings.sdk,
        )
        for runtime in settings.layer_runtimes
    }
    builds = {runtime: artifact.sdk for runtime, artifact in artifacts.items()}
    if len(set(builds.values())) > 1:
        shown = ", ".join(f"{rt}: {build.description()}" for rt, build in sorted(builds.items()))
        raise ArtifactError(
            f"the layers of stack {settings.stack} hold different SDKs ({shown}): the stack tests "
            f"one SDK; rebuild them together with `make layer STACK={settings.stack}`"
        )
    base_artifact = None
    if settings.base_sdk is not None:
        base_artifact = load_artifact(
            settings.base_layer_artifact_dir,
            settings.base_runtime,
            settings.architecture,
            settings.stack,
            settings.base_sdk,
            config_key="baseSdk",
        )
    return _Inputs(settings, artifacts, base_artifact, function_code(HANDLERS_DIR))


def declare() -> None:
    try:
        inputs = _validated()
    except (SettingsError, ArtifactError, CodeError) as exc:
        raise pulumi.RunError(str(exc)) from exc
    settings = inputs.settings
    api_key = pulumi.Config().require_secret("hhApiKey")
    provider = aws.Provider(
        "aws", region=settings.region, default_tags={"tags": stack_tags(settings)}
    )
    bed = TestBed(
        "testbed",
        settings=settings,
        artifacts=inputs.artifacts,
        base_artifact=inputs.base_artifact,
        code=inputs.code,
        api_key=api_key,
        opts=pulumi.ResourceOptions(providers=[provider]),
    )
    pulumi.export("functions", bed.function_outputs())
    pulumi.export("layerArns", {rt: layer.version.arn for rt, layer in bed.layers.items()})
    if inputs.artifacts:  # every layer of a stack holds the same SDK (_validated checks)
        pulumi.export("sdk", next(iter(inputs.artifacts.values())).sdk.output())
    if bed.base_function is not None and inputs.base_artifact is not None:
        pulumi.export(
            "base",
            {
                "function": _function_output(bed.base_function),
                "sdk": inputs.base_artifact.sdk.output(),
            },
        )
    if (snap_start := bed.snapstart_outputs()) is not None:
        pulumi.export("snapStart", snap_start)
    pulumi.export("region", settings.region)
