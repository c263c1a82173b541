"""A secret value as the harness holds it: the HoneyHive key a program marked secret (render),
and the key the post-deploy suite reads back to prove it leaked nowhere.

`str()` and `repr()` never show the value, `reveal()` does (only where it must travel: into a
locally served function's environment, or a read-back request's header), and `redact()` takes it
out of any text that may have quoted it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

SECRET_PLACEHOLDER: Final = "[secret]"
"""How output (render --json, the gate's resource dumps) shows a secret value."""
REDACTED: Final = "[redacted]"
"""What replaces a secret found in text (messages, reports, logs)."""

Redact = Callable[[str], str]


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def reveal(self) -> Any:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({SECRET_PLACEHOLDER})"

    def __str__(self) -> str:
        return SECRET_PLACEHOLDER

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and bool(other._value == self._value)

    def __hash__(self) -> int:
        return hash((Secret, repr(self._value)))

    def _text(self) -> str | None:
        return self._value if isinstance(self._value, str) and self._value else None

    def found_in(self, text: str) -> bool:
        value = self._text()
        return value is not None and value in text

    def redact(self, text: str) -> str:
        value = self._text()
        return text.replace(value, REDACTED) if value is not None else text


def redactor(secret: Secret | None) -> Redact:
    """`secret.redact`, or the identity when there is no secret to hide."""
    return secret.redact if secret is not None else _same


def _same(text: str) -> str:
    return text
