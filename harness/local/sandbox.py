"""Lambda's filesystem for one execution environment, in namespaces of its own.

Lambda runs a function with its code read-only at /var/task (also its cwd), its layers read-only
at /opt, the runtime at /var/runtime and /var/lang, a private /tmp of the function's ephemeral
storage size, no /dev/shm, and everything else read-only, as its own unprivileged user (uid 993,
gid 990: `sbx_user1051`) with at most 1,024 open files and 1,024 processes/threads. Each
environment gets that view from util-linux `unshare`:
- where the harness is not root, a user namespace mapping its user to root (`--map-root-user`),
  so the mounts below need no privilege on the host (as root, none is needed);
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
3. the /dev below; /var read-only; an empty read-only /usr/local/bin (this machine keeps tools
   there that Lambda lacks: docker, terraform...); the layers at /opt;
4. the root file system read-only;
5. the private /tmp: it hides the host's /tmp, where the bound sources may live;
6. the links over /usr/bin (the steps before need this machine's `mount`);
7. last, the identity (`_IDENTITY`): the RIE, and every process it starts, runs as Lambda's
   user in a user namespace of the environment's own, without capabilities, under Lambda's
   two quotas (`prlimit`).

The /dev it sees is a tmpfs holding only the host's null, zero, full, random and urandom nodes
(bound, as bubblewrap does) and the /proc/self/fd links: without /dev/shm, POSIX semaphores
fail as on Lambda, so `multiprocessing.Queue`, `Lock` and `Pool` raise and `Pipe` with `Process`
works.

The identity is a kernel uid that is not root and holds no capability: the kernel enforces
RLIMIT_NPROC only for such a task (copy_process). As root, `setpriv` first becomes uid 993 on
the host; elsewhere the harness's own uid, mapped to root for the mounts, is mapped to 993.
Since Linux 5.14 the process count is kept per user namespace, so each environment's function
counts only its own processes (two environments start 1,023 threads each at once; in one
namespace they shared 1,022), and the host's uid 993 (or the harness's user) is not limited.
A file owned by root on the host is nobody's in the namespace, so only its "other" bits apply,
as for Lambda's user, whom the zip's files never belong to. Where the harness is not root, the
files it writes are the function's own; layout.py then writes the code and layers with their
"other" bits in the owner's and group's place, so the same bits decide.

Where the namespaces cannot be made (no util-linux `unshare`, user namespaces disabled...), the
environment runs on the host's file system as before; `unavailable()` says why, and the pool
says it once.
"""

from __future__ import annotations

import functools
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from harness.local import netns
from harness.local.layout import Layout
from harness.local.procs import probe_failure
from harness.local.progress import progress
from harness.local.toolchain import Toolchain

TASK_ROOT: Final = "/var/task"
OPT: Final = "/opt"
RUNTIME_DIR: Final = "/var/runtime"
LANG_PREFIX: Final = "/var/lang"
RIE: Final = "/var/rapid/aws-lambda-rie"
_PROBE_TIMEOUT_S: Final = 20

FUNCTION_UID: Final = 993
FUNCTION_GID: Final = 990
"""Lambda's function user, `sbx_user1051` (`id` in a python3.12+ function: uid=993 gid=990)."""
FILE_LIMIT: Final = 1024
PROCESS_LIMIT: Final = 1024
"""Lambda's quotas (gettingstarted-limits.html): file descriptors 1,024; execution
processes/threads 1,024 (soft and hard)."""
DEVICES: Final = ("null", "zero", "full", "random", "urandom")

USER_NS: Final = ("--user", "--map-root-user")
"""Only where the harness is not root: the mounts then need a user namespace of their own."""
UNSHARE: Final = (
    "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--mount-proc",
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

# The identity the setup ends with (`$@`: the RIE's argv): Lambda's user in a user namespace of
# its own, under Lambda's quotas; as root, `setpriv` first leaves uid 0 (see the docstring).
_IDENTITY: Final = """bin=$1 uid=$2 gid=$3 files=$4 procs=$5 host_root=$6
shift 6
set -- "$bin/unshare" --user --map-user="$uid" --map-group="$gid" -- \\
  "$bin/prlimit" --nofile="$files" --nproc="$procs" -- "$@"
if [ "$host_root" = yes ]; then
  set -- "$bin/setpriv" --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
fi
exec "$@"
"""
# A tmpfs with a few device nodes (bound from this machine's /dev) and no shm, moved over /dev.
_DEV: Final = """mount -t tmpfs -o mode=0755,size=64k lambda-dev /var/rapid/dev
for device in $devices; do
  : > "/var/rapid/dev/$device"
  mount -o bind "/dev/$device" "/var/rapid/dev/$device"
done
ln -s /proc/self/fd /var/rapid/dev/fd
ln -s /proc/self/fd/0 /var/rapid/dev/stdin
ln -s /proc/self/fd/1 /var/rapid/dev/stdout
ln -s /proc/self/fd/2 /var/rapid/dev/stderr
mount -n --move /var/rapid/dev /dev
mount -o remount,bind,ro /dev
"""
# $1 task  $2 opt  $3 runtime dir  $4 interpreter prefix  $5 RIE  $6 /tmp size in MB
# $7 the /usr/bin tools this machine has (space-separated)  $8 the /dev nodes (likewise)
# $9.. `_IDENTITY`'s arguments but the first; then the RIE's argv.
SETUP: Final = (
    """set -eu
task=$1 opt=$2 runtime=$3 lang=$4 rie=$5 tmp_mb=$6 tools=$7 devices=$8
shift 8
lambda_path=$PATH
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t tmpfs -o mode=0755,size=1m lambda-var /var
mkdir /var/task /var/runtime /var/lang /var/rapid /var/rapid/host-bin /var/rapid/bin \\
  /var/rapid/dev
: > /var/rapid/aws-lambda-rie
mount -o bind,ro "$task" /var/task
mount -o bind,ro "$runtime" /var/runtime
mount -o bind,ro "$lang" /var/lang
mount -o bind,ro "$rie" /var/rapid/aws-lambda-rie
mount -o bind,ro /usr/bin /var/rapid/host-bin
ln -s $(printf '/var/rapid/host-bin/%s ' $tools) /var/rapid/bin/
"""
    + _DEV
    + """mount -o remount,bind,ro /var
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
set -- /var/rapid/host-bin "$@"
"""
    + _IDENTITY
)
# The probe makes the same kinds of mounts on the same kinds of targets, then takes the
# identity (running `true`); its arguments: the /dev nodes, then `_IDENTITY`'s.
_PROBE: Final = (
    """set -eu
devices=$1
shift
mount -t tmpfs -o size=1m probe /var
mkdir /var/rapid /var/rapid/dev
"""
    + _DEV
    + """mount -o remount,bind,ro /var
mount -o remount,bind,ro /
mount -t tmpfs -o size=1m probe /tmp
"""
    + _IDENTITY
)


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
        unshare, *_namespaces(), *network, "/bin/sh", "-c", setup, "lambda-sandbox",
        *(str(path) for path in sources), str(tmp_mb), " ".join(_tools()), " ".join(DEVICES),
        *_identity(), *argv,
    ]  # fmt: skip


def _host_root() -> bool:
    return os.geteuid() == 0


def _namespaces() -> tuple[str, ...]:
    return UNSHARE if _host_root() else (*USER_NS, *UNSHARE)


def _identity() -> tuple[str, ...]:
    """`_IDENTITY`'s arguments but the directory of util-linux's tools."""
    return (
        str(FUNCTION_UID), str(FUNCTION_GID), str(FILE_LIMIT), str(PROCESS_LIMIT),
        "yes" if _host_root() else "no",
    )  # fmt: skip


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
    for tool in ("prlimit", *(("setpriv",) if _host_root() else ())):
        if not (Path("/usr/bin") / tool).is_file():
            return f"util-linux `{tool}` is not in /usr/bin (it gives functions Lambda's user)"
    for mount_point in (OPT, "/var", "/tmp"):  # noqa: S108 - mount points, nothing is written
        if not Path(mount_point).is_dir():
            return f"{mount_point} is not a directory on this machine"
    argv = [
        unshare, *_namespaces(), "/bin/sh", "-c", _PROBE, "lambda-probe", " ".join(DEVICES),
        "/usr/bin", *_identity(), "true",
    ]  # fmt: skip
    return probe_failure(argv, "`unshare --user --mount --pid`", _PROBE_TIMEOUT_S)
