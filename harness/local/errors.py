"""The local runtime's errors: each names what cannot run and what to change."""

from __future__ import annotations

from harness.errors import HarnessError


class LocalRuntimeError(HarnessError):
    """The base of the local runtime's errors."""


class FunctionConfigError(LocalRuntimeError):
    """A function setting Lambda would refuse; the message names the value and the fix."""


class HostError(LocalRuntimeError):
    """This machine cannot run the function as asked; the message says what to change."""


class LayoutError(LocalRuntimeError):
    """The code or a layer cannot be unpacked; the message names the file."""


class RuntimeDirError(LocalRuntimeError):
    """The runtime dir could not be installed; the message carries pip's complaint."""


class StartError(LocalRuntimeError):
    """The RIE did not start listening; the message carries its last lines."""


class ServiceError(LocalRuntimeError):
    """The local runtime failed (not the function): Lambda's ServiceException."""


class CaptureError(LocalRuntimeError):
    """The rendered program cannot be run locally (a layer or code archive is missing...)."""


class PoolClosed(LocalRuntimeError):
    """The function's pool is shutting down."""


class TooManyEnvironments(LocalRuntimeError):
    """Every environment the function may have is busy (Lambda's concurrency limit)."""


class UsageError(LocalRuntimeError):
    """A command-line value that cannot work; the message says which and what to pass."""


class UpdateInProgress(LocalRuntimeError):
    """The function's last update is still in progress (Lambda's 409 ResourceConflictException)."""
