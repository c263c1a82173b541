"""The base of every error the harness raises on purpose.

Each subpackage derives its own base from `HarnessError` (`ProgramError`, `GateError`,
`LocalRuntimeError`, `IngestError`, `SuiteError`, `BenchError`, `CleanupError`), so a command
catches what it can explain and lets a bug surface as a traceback. Commands exit with
`infra.errors`' codes: 1 = the check failed, 2 = it could not run.
"""

from __future__ import annotations


class HarnessError(Exception):
    """Something the harness cannot do, with a message that names the value and the fix."""
