"""The secret-values rule's search: the key's value and its simple transforms, at any alignment
inside other text, and the pieces it may be split into; nothing in ordinary names and ARNs."""

from __future__ import annotations

import base64
import codecs
import secrets
from collections.abc import Callable
from urllib.parse import quote

import pytest

from policy.hhguard.secret_values import Finder, secret_values

KEY = "hh_" + secrets.token_urlsafe(30)
FINDER = Finder([KEY], 8)

Transform = Callable[[str], str]
TRANSFORMS: dict[str, Transform] = {
    "the value": lambda k: k,
    "reversed": lambda k: k[::-1],
    "hex": lambda k: k.encode().hex(),
    "percent-encoded": lambda k: quote(k, safe=""),
    "ROT13": lambda k: codecs.encode(k, "rot13"),
    "base64": lambda k: base64.b64encode(k.encode()).decode(),
    "urlsafe base64": lambda k: base64.urlsafe_b64encode(k.encode()).decode(),
    "base32": lambda k: base64.b32encode(k.encode()).decode(),
}


@pytest.mark.parametrize("how", TRANSFORMS)
@pytest.mark.parametrize("before", ["", "a", "ab", "abc", "abcd"])
def test_a_transform_of_the_key_is_found_inside_other_text(how: str, before: str) -> None:
    transform = TRANSFORMS[how]
    text = "note:" + transform(before + KEY + "tail") + ";"
    assert FINDER.in_text(text) is not None, (how, before)


def test_pieces_of_the_key_are_found() -> None:
    half = len(KEY) // 2
    assert FINDER.in_text(f"x{KEY[:half]}") == f"a piece of it ({8} characters)"
    assert FINDER.in_text(f"{KEY[half:][::-1]}y") is not None


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:lambda:us-east-1:123456789012:function:honeyhive-gh-feature-x-working-sdk-test",
        "/aws/lambda/honeyhive-ci-cold-start-test",
        "honeyhive-lambda-test sdk layer; stack=ci; sdk=honeyhive==1.7.0",
        "https://api.dp1.us.honeyhive.ai",
    ],
)
def test_ordinary_names_and_arns_do_not_match(text: str) -> None:
    assert FINDER.in_text(text) is None


def test_the_values_are_those_of_secret_config_keys() -> None:
    env = {
        "PULUMI_CONFIG": '{"p:hhApiKey": "k1-long-enough", "p:other": "visible-value", '
        '"p:token": "k2-long-enough", "p:short": "k3"}',
        "PULUMI_CONFIG_SECRET_KEYS": '["p:token", "p:short"]',
    }
    settings = {"secretConfigKeys": ["hhApiKey"]}
    assert secret_values(settings, env) == ["k1-long-enough", "k2-long-enough"]
