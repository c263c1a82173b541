"""The program: validate the config, then declare the provider, the layers and the functions.

Nothing is declared until every setting, the layer artefacts and the handler sources have been
checked, so a bad value fails the run before any resource exists.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws
from pulumi.runtime.config import CONFIG, get_config_env

from infra import naming
from infra.artifact import ArtifactError, LayerArtifact, load_artifact
from infra.code import CodeError, function_code
from infra.function import TestFunction, TestFunctionArgs
from infra.layer import SdkLayer, SdkLayerArgs
from infra.settings import SettingsError, StackSettings, parse_settings
from infra.spec import (
    ENV_API_KEY,
    ENV_API_URL,
    ENV_PROJECT,
    ENV_SOURCE,
    ENV_TEST_MODE,
    FLUSH_TIMEOUT_ENV,
    FUNCTIONS,
    REPO_ROOT,
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
    """The layers and the four functions of one stack."""

    layers: dict[str, SdkLayer]
    functions: dict[str, TestFunction]

    def __init__(
        self,
        name: str,
        *,
        settings: StackSettings,
        artifacts: Mapping[str, LayerArtifact],
        code: pulumi.Archive,
        api_key: pulumi.Output[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("honeyhive:lambda:TestBed", name, None, opts)
        stack = settings.stack
        self.layers = {
            runtime: SdkLayer(
                naming.slug(runtime),
                SdkLayerArgs(
                    naming.layer_name(stack, runtime),
                    artifact,
                    layer_description(settings, artifact.sdk.description()),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for runtime, artifact in artifacts.items()
        }
        env = sdk_environment(settings, api_key)
        self.functions = {}
        for key, spec in FUNCTIONS.items():
            runtime = settings.function_runtimes[key]
            function_name = naming.function_name(stack, spec)
            self.functions[key] = TestFunction(
                key,
                TestFunctionArgs(
                    spec=spec,
                    function_name=function_name,
                    role_name=naming.role_name(stack, spec),
                    role_policy_name=naming.role_policy_name(stack, spec),
                    permissions_boundary=settings.permissions_boundary,
                    log_group_name=naming.log_group_name(function_name),
                    runtime=runtime,
                    architecture=settings.architecture,
                    code=code,
                    environment=env if spec.uses_sdk else {},
                    layers=[self.layers[runtime].version.arn] if spec.uses_sdk else [],
                    log_retention_days=settings.log_retention_days,
                    log_format=settings.log_format,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({})

    def function_outputs(self) -> dict[str, pulumi.Output[dict[str, object]]]:
        return {
            key: pulumi.Output.all(
                name=f.function.name,
                arn=f.function.arn,
                runtime=f.function.runtime,
                memorySize=f.function.memory_size,
                timeout=f.function.timeout,
                logGroup=f.log_group.name,
            )
            for key, f in self.functions.items()
        }


def _validated() -> tuple[StackSettings, dict[str, LayerArtifact], pulumi.Archive]:
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
    return settings, artifacts, function_code(HANDLERS_DIR)


def declare() -> None:
    try:
        settings, artifacts, code = _validated()
    except (SettingsError, ArtifactError, CodeError) as exc:
        raise pulumi.RunError(str(exc)) from exc
    api_key = pulumi.Config().require_secret("hhApiKey")
    provider = aws.Provider(
        "aws", region=settings.region, default_tags={"tags": stack_tags(settings)}
    )
    bed = TestBed(
        "testbed",
        settings=settings,
        artifacts=artifacts,
        code=code,
        api_key=api_key,
        opts=pulumi.ResourceOptions(providers=[provider]),
    )
    pulumi.export("functions", bed.function_outputs())
    pulumi.export("layerArns", {rt: layer.version.arn for rt, layer in bed.layers.items()})
    if artifacts:  # every layer of a stack holds the same SDK (_validated checks)
        pulumi.export("sdk", next(iter(artifacts.values())).sdk.output())
    pulumi.export("region", settings.region)
