"""What the doc tests need to know of Markdown: which lines are inside fenced code blocks."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})(.*)$")


def code_lines(markdown: str) -> list[bool]:
    """Per line: whether it belongs to a fenced code block (its fences included). A block closes
    on a fence of its own character, at least as long, with no info string (CommonMark), so a
    ```` block can show a ``` one."""
    inside: list[bool] = []
    fence = ""
    for line in markdown.splitlines():
        match = _FENCE.match(line)
        if not fence:
            if match:
                fence = match[1]
            inside.append(bool(match))
            continue
        inside.append(True)
        if (
            match
            and match[1][0] == fence[0]
            and len(match[1]) >= len(fence)
            and not match[2].strip()
        ):
            fence = ""
    return inside
