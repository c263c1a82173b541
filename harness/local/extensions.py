"""Lambda extensions in a function's layers, and what the local runtime does with them.

External extensions: Lambda starts every file in /opt/extensions (the layers' `extensions/`
folders) before the runtime; each registers with the Extensions API
(`POST /2020-01-01/extension/register`, `Lambda-Extension-Name`) and then waits on
`GET /2020-01-01/extension/event/next` for INVOKE and SHUTDOWN events. The RIE does the same
(`rapid.doRuntimeDomainInit` lists /opt/extensions and starts each file; the RIE runs with
extensions enabled, aws-lambda-runtime-interface-emulator internal/lambda/rie/run.go), so in the
sandbox, where the layers are at /opt, they run as on Lambda: init includes their registration,
they are members of the environment (its memory, its freeze), and an invocation ends when the
runtime and every extension have asked for the next event (environment.py). Without the
sandbox the RIE would read this machine's /opt/extensions instead of the layers': a function
whose layers carry extensions is refused, and so is every function while this machine's
/opt/extensions holds any (the RIE would start them as the function's). On the other
architecture the RIE runs under qemu-user, which cannot exec the extensions' own executables
("exec format error": no binfmt registration): refused too.

Internal extensions: a wrapper script named by AWS_LAMBDA_EXEC_WRAPPER, which Lambda's runtime
bootstrap execs with the runtime's command line. The local runtime starts awslambdaric itself,
without Lambda's bootstrap, so such a function is refused rather than run without its wrapper.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from harness.local.config import FunctionConfig
from harness.local.errors import StartError

EXTENSIONS_DIR: Final = "extensions"
HOST_OPT: Final = Path("/opt")
EXEC_WRAPPER: Final = "AWS_LAMBDA_EXEC_WRAPPER"


def external_extensions(opt: Path) -> tuple[str, ...]:
    """The extensions Lambda would start from these layers: every file (not folder) in
    `opt/extensions`, as the RIE lists them (agents.ListExternalAgentPaths)."""
    folder = opt / EXTENSIONS_DIR
    if not folder.is_dir():
        return ()
    return tuple(sorted(entry.name for entry in folder.iterdir() if not entry.is_dir()))


def check_supported(
    spec: FunctionConfig,
    extensions: tuple[str, ...],
    *,
    sandbox: bool,
    emulated: bool = False,
    host_opt: Path = HOST_OPT,
) -> None:
    """Refuse what would run differently here than on Lambda: external extensions without the
    sandbox (the layers' or this machine's) or under emulation, and an exec wrapper (internal
    extension)."""
    if not sandbox and (foreign := external_extensions(host_opt)):
        raise StartError(
            f"{spec.name}: without the local runtime's sandbox the RIE would start this "
            f"machine's {host_opt / EXTENSIONS_DIR} ({', '.join(foreign)}) as the function's "
            "extensions: run where user namespaces are allowed "
            "(troubleshooting.md#user-namespaces-denied), or empty that folder"
        )
    if extensions and not sandbox:
        raise StartError(
            f"{spec.name}: its layers carry Lambda extensions in /opt/extensions "
            f"({', '.join(extensions)}), which run only in the local runtime's sandbox (without "
            "it the RIE would start this machine's /opt/extensions instead; SnapStart's local "
            "mode has no sandbox either): run where user namespaces are allowed "
            "(troubleshooting.md#user-namespaces-denied), or without the extension layer"
        )
    if extensions and emulated:
        raise StartError(
            f"{spec.name}: its layers carry Lambda extensions ({', '.join(extensions)}), which "
            f"cannot run on the emulated {spec.architecture} (the RIE runs under qemu-user, "
            "which cannot exec their executables): run the function on this machine's "
            "architecture, or on AWS"
        )
    wrapper = spec.environment.get(EXEC_WRAPPER)
    if wrapper is not None:
        raise StartError(
            f"{spec.name}: {EXEC_WRAPPER}={wrapper} names a wrapper script (an internal "
            "extension) that Lambda's runtime bootstrap would run; the local runtime starts "
            f"awslambdaric without it: unset {EXEC_WRAPPER} to run the function locally "
            "without its wrapper, or test the wrapper on AWS"
        )
