"""baseline: the same contract as the SDK functions with no SDK at all.

The floor for overhead numbers: no layer, no HH_* variables, nothing to flush (flushSuccess,
sessionId and sdkVersion are null; the SDK timings are 0).
"""

from __future__ import annotations

from typing import Any

import _contract

FUNCTION = _contract.Function(default_test_type="baseline")


def _invoke(request: _contract.Request) -> _contract.Outcome:
    return _contract.Outcome(extra={"iteration": request.event.iteration, "spanCount": 0})


def lambda_handler(event: object, context: Any) -> dict[str, Any]:
    return FUNCTION.handle(event, context, _invoke)
