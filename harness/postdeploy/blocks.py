"""Markdown building blocks the reports share: numbers, tables, and Mermaid charts that GitHub
renders by itself (in a file and in a job summary)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def ms(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _label(text: str) -> str:
    """Text Mermaid accepts inside a quoted label."""
    return text.replace('"', "'").replace("\n", " ")


def mermaid_pie(title: str, slices: Sequence[tuple[str, float]]) -> list[str]:
    """A pie chart GitHub renders in markdown (and in the job summary) by itself."""
    lines = ["```mermaid", f"pie showData title {_label(title)}"]
    lines += [f'    "{_label(name)}" : {value:.1f}' for name, value in slices]
    return [*lines, "```"]


def mermaid_bars(title: str, bars: Sequence[tuple[str, float]], unit: str = "ms") -> list[str]:
    """A bar chart (Mermaid's xychart) GitHub renders by itself."""
    top = max((value for _, value in bars), default=0.0)
    labels = ", ".join(f'"{_label(name)}"' for name, _ in bars)
    values = ", ".join(f"{value:.1f}" for _, value in bars)
    return [
        "```mermaid",
        "xychart-beta",
        f'    title "{_label(title)}"',
        f"    x-axis [{labels}]",
        f'    y-axis "{unit}" 0 --> {max(top * 1.1, 1.0):.0f}',
        f"    bar [{values}]",
        "```",
    ]
