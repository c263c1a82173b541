"""The doc-test's checker: every command a page shows in a fenced block still exists as shown.

`make TARGET VAR=...` lines: the target is a rule of the Makefile, each VAR one it reads and
leaves to the caller, and (for targets that do not run make again) `make -n` prints the recipe,
whose `python -m` lines are checked like the pages' own. `python -m X sub --flag` lines (also
`.venv/bin/python -m`): `python -m X sub --help` exits 0 and names every `--flag` used;
`--set key=...` and `pulumi config set key` name a stack setting. The `--help` outputs are
collected in one process (help_dump.py), once per command, so the test stays cheap.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from infra.settings import KNOWN_KEYS, REGION_KEY
from infra.spec import PROJECT, REPO_ROOT
from tests.docs.markdown import code_lines

MAKEFILE = REPO_ROOT / "Makefile"
HELP_DUMP = Path(__file__).with_name("help_dump.py")
PYTHON_PREFIXES = ("python -m ", ".venv/bin/python -m ", "$(PY) -m ")
_FENCE_LINE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
_SET_KEY = re.compile(r"(?<![\w-])--set[ =]+([A-Za-z][\w:.-]*)=")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_WORD = re.compile(r"^[a-z][a-z0-9_-]*$")
_PLACEHOLDER = re.compile(r"^[\[<{|]|^\.\.\.$")
BOOTSTRAP_KEYS = frozenset(
    {
        "githubRepository",
        "githubRepositoryIds",
        "sdkRepository",
        "sdkRepositoryIds",
        "accountId",
        "region",
        "stateBucket",
        "createOidcProvider",
        "nameOnlySubjects",
    }
)
"""bootstrap/settings.py's KEYS (tests/docs/test_commands.py pins the copy): importing the
bootstrap program would import Pulumi into every doc check."""


@dataclass(frozen=True)
class Command:
    """One documented command line, where it was found."""

    source: str
    line: int
    text: str
    inline: bool = False
    """Shown as `code` in prose: checked by name only (targets, variables, flags), since prose
    may abbreviate (`make layer|render`, `BASE=...`)."""

    def where(self) -> str:
        return f"{self.source}:{self.line}: `{self.text}`"


def fenced_commands(markdown: str, source: str) -> list[Command]:
    """The `make`, `python -m` and `pulumi config set` lines of the fenced blocks, with their
    continuation lines joined and trailing comments dropped."""
    commands: list[Command] = []
    pending: tuple[int, str] | None = None
    lines = markdown.splitlines()
    for index, (line, in_code) in enumerate(zip(lines, code_lines(markdown), strict=True)):
        if not in_code or _FENCE_LINE.match(line):
            pending = None
            continue
        number, text = index + 1, line.strip()
        if pending is not None:
            number, text = pending[0], f"{pending[1]} {text}"
        if text.endswith("\\"):
            pending = (number, text[:-1].rstrip())
            continue
        pending = None
        text = _strip_comment(text.removeprefix("$ "))
        if _is_command(text):
            commands.append(Command(source, number, text))
    return commands


_INLINE = re.compile(
    r"`((?:make|(?:\.venv/bin/)?python -m (?:harness|layer)\b|pulumi config set)(?: [^`]*)?)`"
)


def inline_commands(markdown: str, source: str) -> list[Command]:
    """The `make ...`, `python -m harness|layer ...` and `pulumi config set ...` code spans of
    the prose (tables included), also where a span wraps onto the next line."""
    commands: list[Command] = []
    lines = markdown.splitlines()
    in_code = code_lines(markdown)
    prose = ["" if code else line for line, code in zip(lines, in_code, strict=True)]
    start = 0
    while start < len(prose):
        if not prose[start].strip():
            start += 1
            continue
        end = start
        while end < len(prose) and prose[end].strip() and not prose[end].startswith("|"):
            end += 1
        end = max(end, start + 1)  # a table row is a block of its own
        block = " ".join(line.strip() for line in prose[start:end])
        for match in _INLINE.finditer(block):
            number = start + 1 + _line_of(prose[start:end], match.start())
            commands.append(Command(source, number, match[1], inline=True))
        start = end
    return commands


def _line_of(block: list[str], offset: int) -> int:
    """Which line of `block` (joined by single spaces, each stripped) holds `offset`."""
    for index, line in enumerate(block):
        offset -= len(line.strip()) + 1
        if offset < 0:
            return index
    return len(block) - 1


def _strip_comment(text: str) -> str:
    """The line without a trailing ` # comment` (a `#` inside quotes is kept)."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1].isspace()):
            return text[:index].rstrip()
    return text


def _is_command(text: str) -> bool:
    return (
        text.startswith("make ")
        or text == "make"
        or text.startswith(PYTHON_PREFIXES)
        or text.startswith("pulumi config set ")
    )


# --- make ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Makefile:
    path: Path
    targets: frozenset[str]
    caller_variables: frozenset[str]
    """Variables the Makefile reads and leaves to the caller (`?=`, or never assigned)."""
    remakes: frozenset[str]
    """Targets whose recipe runs make again: `make -n` would execute those lines."""


def read_makefile(path: Path) -> Makefile:
    text = path.read_text()
    targets = set(re.findall(r"^([a-z][a-z0-9-]*)\s*:(?!=)", text, re.MULTILINE))
    referenced = set(re.findall(r"\$[({]([A-Z][A-Z0-9_]*)[)}]", text))
    assigned = set(re.findall(r"^([A-Z][A-Z0-9_]*)\s*(?::=|=|\+=)", text, re.MULTILINE))
    defaults = set(re.findall(r"^([A-Z][A-Z0-9_]*)\s*\?=", text, re.MULTILINE))
    defines = dict(re.findall(r"^define (\w+)\n(.*?)^endef", text, re.MULTILINE | re.DOTALL))
    remaking = {name for name, body in defines.items() if "$(MAKE)" in body}
    remakes = set()
    for target, recipe in re.findall(
        r"^([a-z][a-z0-9-]*)\s*:(?!=)[^\n]*\n((?:\t[^\n]*\n?)*)", text, re.MULTILINE
    ):
        if "$(MAKE)" in recipe or any(name in recipe for name in remaking):
            remakes.add(target)
    return Makefile(
        path=path,
        targets=frozenset(targets),
        caller_variables=frozenset((referenced - assigned) | defaults),
        remakes=frozenset(remakes),
    )


@cache
def the_makefile() -> Makefile:
    return read_makefile(MAKEFILE)


def make_problems(command: Command, makefile: Makefile) -> tuple[list[str], list[Command]]:
    """What is wrong with a `make` line, and the `python -m` lines its dry run prints."""
    words = shlex.split(command.text)[1:]
    targets = [w for w in words if not w.startswith("-") and "=" not in w]
    if command.inline:
        targets = [t for word in targets if word != "..." for t in word.split("|")]
    variables = [w.partition("=")[0] for w in words if "=" in w and not w.startswith("-")]
    problems = [
        f"{command.where()}: `make {t}`: the Makefile has no target {t!r}"
        for t in targets
        if t not in makefile.targets
    ]
    problems += [
        f"{command.where()}: {v}= is not a variable the Makefile reads"
        for v in variables
        if v not in makefile.caller_variables
    ]
    problems += _set_key_problems(command, " ".join(words), KNOWN_KEYS)
    if problems or command.inline or any(t in makefile.remakes for t in targets):
        return problems, []
    dry_run = subprocess.run(
        ["make", "-f", str(makefile.path), "-n", "--no-print-directory", *words],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if dry_run.returncode != 0:
        return [f"{command.where()}: `make -n` failed: {dry_run.stderr.strip()}"], []
    recipe = fenced_commands(f"```\n{dry_run.stdout}\n```", f"{command.where()} -> make -n")
    return [], [line for line in recipe if line.text.startswith(PYTHON_PREFIXES)]


# --- python -m ----------------------------------------------------------------------------


def help_argv(text: str) -> tuple[str, ...]:
    """`python -m X sub ... --flag` -> (X, sub, ...): the module and the words before the first
    option or placeholder. A path stays only for pytest, and only one under tests/: build/ outputs
    appear while other workers run, and the argv must not change between collecting and checking."""
    for prefix in PYTHON_PREFIXES:
        if text.startswith(prefix):
            text = text.removeprefix(prefix)
            break
    words = _QUOTED.sub("''", text).split()
    argv = [words[0]]
    for word in words[1:]:
        if _PLACEHOLDER.match(word) or word.startswith("-"):
            break
        if _WORD.match(word) or (argv[0] == "pytest" and _is_test_path(word)):
            argv.append(word)
        else:
            break
    return tuple(argv)


def _is_test_path(word: str) -> bool:
    path = word.split("::", maxsplit=1)[0]
    return path.startswith("tests/") and (REPO_ROOT / path).exists()


def flags_used(text: str) -> list[str]:
    """Every `--flag` of the line up to a bare `--` (what follows is another program's)."""
    head = _QUOTED.sub("''", text).split(" -- ")[0]
    return list(dict.fromkeys(_FLAG.findall(head)))


_HELPS: dict[tuple[str, ...], tuple[int, str]] = {}
"""--help outputs already collected in this process: a command's help does not change."""


def collect_help(argvs: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], tuple[int, str]]:
    """`python -m ARGV --help` for each: exit code and output (the missing ones collected in one
    interpreter)."""
    wanted = set(argvs)
    missing = sorted(wanted - set(_HELPS), key=lambda argv: (argv[0] == "pytest", argv))
    if missing:
        result = subprocess.run(
            [sys.executable, str(HELP_DUMP)],
            input=json.dumps([list(argv) for argv in missing]),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"help_dump.py failed: {result.stderr}")
        _HELPS.update({tuple(argv): (code, text) for argv, code, text in json.loads(result.stdout)})
    return {argv: _HELPS[argv] for argv in wanted}


def python_problems(
    command: Command, helps: Mapping[tuple[str, ...], tuple[int, str]]
) -> list[str]:
    argv = help_argv(command.text)
    code, text = helps[argv]
    shown = "python -m " + " ".join(argv)
    if code != 0:
        first = text.strip().splitlines()[:1] or [""]
        return [f"{command.where()}: `{shown} --help` exits {code}: {first[0]}"]
    problems = [
        f"{command.where()}: {flag} is not an option of `{shown}`"
        for flag in flags_used(command.text)
        if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text)
    ]
    if argv[0] == "harness" and "--program" not in command.text.split(" -- ")[0]:
        problems += _set_key_problems(command, command.text, KNOWN_KEYS)
    return problems


# --- config keys --------------------------------------------------------------------------


def _set_key_problems(command: Command, text: str, known: frozenset[str]) -> list[str]:
    return [
        f"{command.where()}: --set {key}: not a stack setting (infra/settings.py KNOWN_KEYS)"
        for key in _SET_KEY.findall(text.split(" -- ", maxsplit=1)[0])
        if not _is_setting(key, known)
    ]


def _is_setting(key: str, known: frozenset[str]) -> bool:
    return key == REGION_KEY or key.removeprefix(f"{PROJECT}:") in known


def pulumi_config_problems(command: Command) -> list[str]:
    words = [w for w in shlex.split(command.text)[3:] if not w.startswith("-")]
    if not words:
        return [] if command.inline else [f"{command.where()}: `pulumi config set` without a key"]
    key = words[0]
    if _is_setting(key, KNOWN_KEYS | BOOTSTRAP_KEYS):
        return []
    return [f"{command.where()}: {key} is neither a stack setting nor a bootstrap setting"]


# --- all of it ----------------------------------------------------------------------------


def check(commands: Iterable[Command], makefile: Makefile | None = None) -> list[str]:
    """Every problem of the given command lines (empty: they all still work as shown)."""
    makefile = makefile or the_makefile()
    problems: list[str] = []
    pythons: list[Command] = []
    for command in commands:
        if command.text.startswith("make"):
            found, recipe = make_problems(command, makefile)
            problems += found
            pythons += recipe
        elif command.text.startswith("pulumi config set"):
            problems += pulumi_config_problems(command)
        else:
            pythons.append(command)
    helps = collect_help(help_argv(command.text) for command in pythons)
    for command in pythons:
        problems += python_problems(command, helps)
    return problems


def doc_pages() -> list[Path]:
    """README.md and docs/*.md; docs/_incoming holds drafts the lead has not placed yet."""
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


def documented_commands() -> list[Command]:
    """Every command of README.md and docs/*.md: the fenced lines, then the prose's spans."""
    commands = []
    for page in doc_pages():
        text, source = page.read_text(), str(page.relative_to(REPO_ROOT))
        commands += fenced_commands(text, source) + inline_commands(text, source)
    return commands
