"""working_sdk_test with the SnapStart runtime hooks an SDK user has to add today.

Deployed only with the `snapStart` setting, as `working-sdk-test-hooked`, beside the plain
`working_sdk_test` (no hooks): the report then says both whether the SDK is safe under SnapStart
by itself and whether this workaround makes it safe.

- before the snapshot: flush what init traced, so no span waits in the processor's queue of
  the one image every environment is restored from;
- after each restore: reseed Python's `random` from os.urandom (OpenTelemetry's
  RandomIdGenerator draws trace and span ids from it, and its state is part of the snapshot:
  every environment restored from one image would draw the same ids), and drop the exporter's
  pooled connections (opened before the snapshot, stale after it).

`snapshot_restore_py` is bundled in Lambda's Python runtime (/var/runtime, beside awslambdaric,
which runs the hooks: before-snapshot hooks, then `GET /runtime/restore/next`, then after-restore
hooks); the local runtime installs the same pinned package there. The answer adds
`snapStartHooks`: whether each hook ran, how long the after-restore one took, and whether it ran
before this environment's first handler call.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

import working_sdk_test
from snapshot_restore_py import register_after_restore, register_before_snapshot

_ran: dict[str, Any] = {
    "beforeSnapshot": False,
    "beforeSnapshotFlushed": None,
    "afterRestore": False,
    "afterRestoreMs": None,
    "beforeFirstCall": None,
}
_calls = 0


def _flush_before_snapshot() -> None:
    _ran["beforeSnapshot"] = True
    sdk = getattr(working_sdk_test, "SDK", None)
    _ran["beforeSnapshotFlushed"] = sdk.flush_now() if sdk is not None else None


def _reseed_and_reconnect() -> None:
    started = time.perf_counter()
    random.seed()  # from os.urandom: each restored environment draws its own ids
    sdk = getattr(working_sdk_test, "SDK", None)
    if sdk is not None:
        sdk.drop_connections()
    _ran["afterRestore"] = True
    _ran["afterRestoreMs"] = round((time.perf_counter() - started) * 1000, 3)
    _ran["beforeFirstCall"] = _calls == 0


register_before_snapshot(_flush_before_snapshot)
register_after_restore(_reseed_and_reconnect)


def lambda_handler(event: object, context: Any) -> dict[str, Any]:
    global _calls  # noqa: PLW0603 - one counter per environment, as the hooks see it
    _calls += 1
    response = working_sdk_test.lambda_handler(event, context)
    body = json.loads(response["body"])
    body["snapStartHooks"] = dict(_ran)
    return {**response, "body": json.dumps(body)}
