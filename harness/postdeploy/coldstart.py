"""Forced cold starts: a configuration change makes Lambda (and the local runtime) retire every
warm environment, so the next invoke starts a new one.

`force_cold_start` sets a fresh nonce in one environment variable (every other variable kept),
waits for boto3's `function_updated_v2` waiter, and invokes with `LogType=Tail`.
`preserved_configurations` snapshots the functions' variables first and puts them back in
`finally`, verified by reading them back, whatever happened in between. A nonce that an earlier,
killed run left behind is not part of what is restored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.postdeploy.invoke import Invocation, invoke
from harness.secret import Redact

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import FunctionConfigurationResponseTypeDef

NONCE_VARIABLE = "HONEYHIVE_TEST_COLD_START_NONCE"


def variables(configuration: FunctionConfigurationResponseTypeDef) -> dict[str, str]:
    """The function's environment variables (none: an empty map, as AWS and boto3 agree)."""
    return dict(configuration.get("Environment", {}).get("Variables", {}))


def wait_updated(client: LambdaClient, name: str) -> None:
    client.get_waiter("function_updated_v2").wait(FunctionName=name)


def force_cold_start(
    client: LambdaClient, name: str, event: Any, nonce: str | None = None
) -> Invocation:
    """The next invoke after a configuration change: a new execution environment."""
    wait_updated(client, name)  # an update still in progress would refuse ours
    configuration = client.get_function_configuration(FunctionName=name)
    changed = {**variables(configuration), NONCE_VARIABLE: nonce or uuid.uuid4().hex}
    client.update_function_configuration(
        FunctionName=name,
        Environment={"Variables": changed},
        RevisionId=configuration["RevisionId"],
    )
    wait_updated(client, name)
    return invoke(client, name, event)


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
            wanted = variables(configuration)
            wanted.pop(NONCE_VARIABLE, None)
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
