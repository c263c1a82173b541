"""The HoneyHive API key as the suite holds it: never printed, redacted from every message."""

from __future__ import annotations

from collections.abc import Callable

REDACTED = "[redacted]"

Redact = Callable[[str], str]


class Secret:
    """A value whose repr and str never show it; `redact` removes it from any text."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value:
            raise ValueError("a Secret needs a non-empty value")
        self._value = value

    def __repr__(self) -> str:
        return f"Secret({REDACTED})"

    __str__ = __repr__

    def reveal(self) -> str:
        return self._value

    def found_in(self, text: str) -> bool:
        return self._value in text

    def redact(self, text: str) -> str:
        return text.replace(self._value, REDACTED)


def redactor(secret: Secret | None) -> Redact:
    """`secret.redact`, or the identity when there is no secret to hide."""
    return secret.redact if secret is not None else _same


def _same(text: str) -> str:
    return text
