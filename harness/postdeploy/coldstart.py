"""Forced cold starts: a configuration change makes Lambda (and the local runtime) retire every
warm environment, so the next invoke starts a new one.

`force_cold_start` sets a fresh nonce in one environment variable (every other variable kept,
plus `extra` ones such as the profiling switches), waits for boto3's `function_updated_v2`
waiter, and invokes with `LogType=Tail`. The suite's own variables (TRANSIENT_VARIABLES) never
outlive the cold start that set them: the next one drops them unless asked again.
`preserved_configurations` snapshots the functions' variables first and puts them back in
`finally`, verified by reading them back, whatever happened in between. The suite's variables
that an earlier, killed run left behind are not part of what is restored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.postdeploy.checks import MAX_REFORCES, proactively_initialized
from harness.postdeploy.invoke import Invocation, invoke
from harness.secret import Redact, Secret
from infra.spec import ENV_API_KEY, IMPORT_PROFILE_ENV, WARM_PROFILE_ENV

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import FunctionConfigurationResponseTypeDef

NONCE_VARIABLE = "HONEYHIVE_TEST_COLD_START_NONCE"
TRANSIENT_VARIABLES = (NONCE_VARIABLE, IMPORT_PROFILE_ENV, WARM_PROFILE_ENV)
"""Set by the suite for one cold start, never part of a function's own configuration."""


def own_variables(configuration: FunctionConfigurationResponseTypeDef) -> dict[str, str]:
    """The function's variables without the suite's transient ones."""
    return {k: v for k, v in variables(configuration).items() if k not in TRANSIENT_VARIABLES}


def variables(configuration: FunctionConfigurationResponseTypeDef) -> dict[str, str]:
    """The function's environment variables (none: an empty map, as AWS and boto3 agree)."""
    return dict(configuration.get("Environment", {}).get("Variables", {}))


def deployed_api_key(
    configurations: Mapping[str, FunctionConfigurationResponseTypeDef],
) -> Secret | None:
    """The key the SDK functions were deployed with (their environment, on both targets): what
    every message that may quote a configuration is redacted of."""
    for configuration in configurations.values():
        key = variables(configuration).get(ENV_API_KEY)
        if key:
            return Secret(key)
    return None


def wait_updated(client: LambdaClient, name: str) -> None:
    client.get_waiter("function_updated_v2").wait(FunctionName=name)


def force_cold_start(
    client: LambdaClient,
    name: str,
    event: Any,
    nonce: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> Invocation:
    """The next invoke after a configuration change: a new execution environment, with the
    function's own variables plus `extra`."""
    wait_updated(client, name)  # an update still in progress would refuse ours
    configuration = client.get_function_configuration(FunctionName=name)
    changed = {
        **own_variables(configuration),
        **(extra or {}),
        NONCE_VARIABLE: nonce or uuid.uuid4().hex,
    }
    client.update_function_configuration(
        FunctionName=name,
        Environment={"Variables": changed},
        RevisionId=configuration["RevisionId"],
    )
    wait_updated(client, name)
    return invoke(client, name, event)


def force_measured_cold_start(
    client: LambdaClient,
    name: str,
    event: Any,
    extra: Mapping[str, str] | None = None,
    reforces: int = MAX_REFORCES,
) -> tuple[Invocation, int]:
    """`force_cold_start`, forced again (at most `reforces` times) while the invoke landed on
    an environment Lambda had initialized before it (no Init Duration to measure): the sample,
    and how many were re-forced."""
    invocation = force_cold_start(client, name, event, extra=extra)
    done = 0
    while done < reforces and proactively_initialized(invocation):
        invocation = force_cold_start(client, name, event, extra=extra)
        done += 1
    return invocation, done


@dataclass
class Preserved:
    """The configurations as they were, and what went wrong putting them back (if anything)."""

    configurations: dict[str, FunctionConfigurationResponseTypeDef] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    """Functions whose variables had to be written back (the others were already as before)."""


@contextmanager
def preserved_configurations(
    client: LambdaClient, names: Sequence[str], redact: Redact = str
) -> Iterator[Preserved]:
    """Snapshot `names`' configurations; in `finally`, restore their variables and verify.

    Restoring never raises (the body's exception, if any, is the one that propagates): every
    problem is appended to `Preserved.problems`, which the caller must check.
    """
    preserved = Preserved()
    for name in names:
        wait_updated(client, name)
        preserved.configurations[name] = client.get_function_configuration(FunctionName=name)
    try:
        yield preserved
    finally:
        for name, configuration in preserved.configurations.items():
            wanted = own_variables(configuration)
            try:
                _restore(client, name, wanted, preserved)
            except Exception as exc:  # noqa: BLE001 - reported; the other functions still restore
                preserved.problems.append(
                    redact(
                        f"{name}: restoring the configuration failed: {type(exc).__name__}: {exc}"
                    )
                )


def _restore(
    client: LambdaClient, name: str, wanted: Mapping[str, str], preserved: Preserved
) -> None:
    wait_updated(client, name)
    if variables(client.get_function_configuration(FunctionName=name)) != wanted:
        client.update_function_configuration(
            FunctionName=name, Environment={"Variables": dict(wanted)}
        )
        wait_updated(client, name)
        preserved.restored.append(name)
    now = variables(client.get_function_configuration(FunctionName=name))
    if now != wanted:
        differing = sorted(k for k in now.keys() | wanted.keys() if now.get(k) != wanted.get(k))
        preserved.problems.append(
            f"{name}: after restoring, these variables still differ from before the run: "
            f"{', '.join(differing)}"
        )
