"""Lambda's filesystem for one execution environment, in namespaces of its own.

Lambda runs a function with its code read-only at /var/task (also its cwd), its layers read-only
at /opt, the runtime at /var/runtime and /var/lang, a private /tmp of the function's ephemeral
storage size, and everything else read-only. Each environment gets that view from util-linux
`unshare`:
- a user namespace (`--map-root-user`: no root needed where user namespaces are allowed; as
  root it maps root to itself), so the mounts below need no privilege on the host;
- a mount namespace: every mount is private to the environment, the host is never changed;
- a PID namespace in which the RIE is PID 1: every process the function starts, a daemon that
  left its session included, stays in it and is killed with it (`--kill-child`: when the
  `unshare` process dies, so does the RIE, and with it the whole namespace).
- where this machine allows it, a network namespace: a loopback of its own (netns.py).

The setup script runs inside the namespaces, then execs the RIE. Its order matters:
1. a tmpfs over /var (the host's /var is hidden) holding the mount points;
2. the read-only binds: code, runtime dir, the interpreter's prefix at /var/lang (so
   /var/lang/bin/python3.X is the interpreter, as in Lambda), the RIE binary, and this
   machine's /usr/bin at /var/rapid/host-bin, with links to the tools Lambda has (`USR_BIN`);
3. /var read-only; an empty read-only /usr/local/bin (this machine keeps tools there that
   Lambda lacks: docker, terraform...); the layers at /opt;
4. the root file system read-only;
5. the private /tmp: it hides the host's /tmp, where the bound sources may live;
6. last, the links over /usr/bin (the steps before need this machine's `mount`).

Where the namespaces cannot be made (no util-linux `unshare`, user namespaces disabled...), the
environment runs on the host's file system as before; `unavailable()` says why, and the pool
says it once.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from harness.local import netns
from harness.local.layout import Layout
from harness.local.progress import progress
from harness.local.toolchain import Toolchain

TASK_ROOT: Final = "/var/task"
OPT: Final = "/opt"
RUNTIME_DIR: Final = "/var/runtime"
LANG_PREFIX: Final = "/var/lang"
RIE: Final = "/var/rapid/aws-lambda-rie"
_PROBE_TIMEOUT_S: Final = 20

UNSHARE: Final = (
    "--user", "--map-root-user", "--mount", "--propagation", "private",
    "--pid", "--fork", "--kill-child", "--mount-proc",
)  # fmt: skip

# What a function finds in /usr/bin (and /bin, a link to it on merged-/usr systems): the shells
# and GNU coreutils, which Lambda's Amazon Linux 2023 images ship. They carry little else: no
# find, git or gcc (aws/aws-lambda-base-images#196, aws/aws-sam-build-images#136), so an SDK
# that shells out to git finds none, as on AWS. The rest of this machine's /usr/bin stays
# reachable at /var/rapid/host-bin, by full path only.
USR_BIN: Final = (
    "sh", "bash", "arch", "b2sum", "base32", "base64", "basename", "basenc", "cat", "chcon",
    "chgrp", "chmod", "chown", "chroot", "cksum", "comm", "cp", "csplit", "cut", "date", "dd",
    "df", "dir", "dircolors", "dirname", "du", "echo", "env", "expand", "expr", "factor",
    "false", "fmt", "fold", "groups", "head", "hostid", "id", "install", "join", "link", "ln",
    "logname", "ls", "md5sum", "mkdir", "mkfifo", "mknod", "mktemp", "mv", "nice", "nl",
    "nohup", "nproc", "numfmt", "od", "paste", "pathchk", "pinky", "pr", "printenv", "printf",
    "ptx", "pwd", "readlink", "realpath", "rm", "rmdir", "runcon", "seq", "sha1sum",
    "sha224sum", "sha256sum", "sha384sum", "sha512sum", "shred", "shuf", "sleep", "sort",
    "split", "stat", "stdbuf", "stty", "sum", "sync", "tac", "tail", "tee", "test", "timeout",
    "touch", "tr", "true", "truncate", "tsort", "tty", "uname", "unexpand", "uniq", "unlink",
    "users", "vdir", "wc", "who", "whoami", "yes",
)  # fmt: skip

# $1 task  $2 opt  $3 runtime dir  $4 interpreter prefix  $5 RIE  $6 /tmp size in MB
# $7 the /usr/bin tools this machine has (space-separated); then the RIE's argv.
SETUP: Final = """set -eu
task=$1 opt=$2 runtime=$3 lang=$4 rie=$5 tmp_mb=$6 tools=$7
shift 7
lambda_path=$PATH
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t tmpfs -o mode=0755,size=1m lambda-var /var
mkdir /var/task /var/runtime /var/lang /var/rapid /var/rapid/host-bin /var/rapid/bin
: > /var/rapid/aws-lambda-rie
mount -o bind,ro "$task" /var/task
mount -o bind,ro "$runtime" /var/runtime
mount -o bind,ro "$lang" /var/lang
mount -o bind,ro "$rie" /var/rapid/aws-lambda-rie
mount -o bind,ro /usr/bin /var/rapid/host-bin
ln -s $(printf '/var/rapid/host-bin/%s ' $tools) /var/rapid/bin/
mount -o remount,ro /var
if [ -d /usr/local/bin ]; then
  mount -t tmpfs -o ro,mode=0755,size=4k lambda-empty /usr/local/bin
fi
mount -o bind,ro "$opt" /opt
mount -o remount,bind,ro /
mount -t tmpfs -o "mode=1777,size=${tmp_mb}m" lambda-tmp /tmp
mount -o bind,ro /var/rapid/bin /usr/bin
cd /var/task
unset OLDPWD
PATH=$lambda_path
exec "$@"
"""
# The probe makes the same kinds of mounts on the same kinds of targets.
_PROBE: Final = """set -eu
mount -t tmpfs -o size=1m probe /var
mount -o remount,bind,ro /
mount -t tmpfs -o size=1m probe /tmp
"""


@dataclass(frozen=True)
class Paths:
    """Where the function (and the RIE) see the environment's files."""

    task_root: str
    opt: str
    runtime_dir: str
    lang: str
    """The interpreter's prefix (Lambda's /var/lang): `<lang>/bin/python3.X`, `<lang>/lib`."""
    interpreter_name: str
    rie: str
    sandboxed: bool
    emulator: str | None = None
    """qemu-user, which runs the RIE of the other architecture (None: native)."""

    @property
    def interpreter(self) -> str:
        return f"{self.lang}/bin/{self.interpreter_name}"


def host_paths(layout: Layout, toolchain: Toolchain) -> Paths:
    """Without namespaces: everything where it is on the host."""
    return Paths(
        task_root=str(layout.task_root),
        opt=str(layout.opt),
        runtime_dir=str(toolchain.runtime_dir),
        lang=str(_prefix(toolchain)),
        interpreter_name=toolchain.interpreter.name,
        rie=str(toolchain.rie),
        sandboxed=False,
        emulator=str(toolchain.emulator) if toolchain.emulator else None,
    )


def sandbox_paths(toolchain: Toolchain) -> Paths:
    return Paths(
        task_root=TASK_ROOT,
        opt=OPT,
        runtime_dir=RUNTIME_DIR,
        lang=LANG_PREFIX,
        interpreter_name=toolchain.interpreter.name,
        rie=RIE,
        sandboxed=True,
        emulator=f"{LANG_PREFIX}/bin/{toolchain.emulator.name}" if toolchain.emulator else None,
    )


def _prefix(toolchain: Toolchain) -> Path:
    """The interpreter's prefix: its path is `<prefix>/bin/python3.X` (host.find_interpreter)."""
    return toolchain.interpreter.parent.parent


def sandboxed(
    argv: list[str], layout: Layout, toolchain: Toolchain, tmp_mb: int, *, own_network: bool = False
) -> list[str]:
    """`argv` (the RIE's command line, with sandbox paths) run inside the namespaces;
    `own_network`: in a network namespace too, its loopback up (netns.py)."""
    unshare = shutil.which("unshare") or "unshare"
    sources = [
        layout.task_root,
        layout.opt,
        toolchain.runtime_dir,
        _prefix(toolchain),
        toolchain.rie,
    ]
    network = netns.UNSHARE_NET if own_network else ()
    setup = netns.bring_up_loopback() + SETUP if own_network else SETUP
    return [
        unshare, *UNSHARE, *network, "/bin/sh", "-c", setup, "lambda-sandbox",
        *(str(path) for path in sources), str(tmp_mb), " ".join(_tools()), *argv,
    ]  # fmt: skip


@functools.cache
def _tools() -> tuple[str, ...]:
    """The `USR_BIN` tools this machine has."""
    return tuple(name for name in USR_BIN if (Path("/usr/bin") / name).exists())


@functools.cache
def enabled() -> bool:
    """Whether environments get the sandbox; when they cannot, says so once, and why."""
    reason = unavailable()
    if reason is not None:
        progress(
            f"no sandbox for the functions ({reason}): they run on this machine's file system "
            "(no /var/task, code and layers writable, the host's /tmp), and a process that "
            "leaves its session can outlive its environment"
        )
    return reason is None


@functools.cache
def unavailable() -> str | None:
    """Why this machine cannot give environments namespaces of their own (None: it can)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return "util-linux `unshare` is not installed"
    for mount_point in (OPT, "/var", "/tmp"):  # noqa: S108 - mount points, nothing is written
        if not Path(mount_point).is_dir():
            return f"{mount_point} is not a directory on this machine"
    try:
        probe = subprocess.run(
            [unshare, *UNSHARE, "/bin/sh", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`unshare` could not run: {exc}"
    if probe.returncode != 0:
        detail = (probe.stderr.strip().splitlines() or [f"exit {probe.returncode}"])[-1]
        return f"`unshare --user --mount --pid` failed: {detail}"
    return None
