"""Class: URL parsing differentials. Where the key may go is judged as the clients that connect
read the URL (urllib3 under requests, httpx, `urllib.parse`): only a form they all read the same
way is accepted, and for every accepted URL the clients are asked, for real, which host they
would connect to."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
import urllib3

from policy.hhguard.api_urls import UrlPolicy, url_problem
from policy.hhguard.limits import API_PORTS, HONEYHIVE_API_HOSTS

DEPLOYED = UrlPolicy(domains=HONEYHIVE_API_HOSTS, ports=API_PORTS, loopback=False)
LOCAL = UrlPolicy(domains=HONEYHIVE_API_HOSTS, ports=API_PORTS, loopback=True)

ACCEPTED = [
    "https://api.honeyhive.ai",
    "https://api.dp1.us.honeyhive.ai/",
    "https://honeyhive.ai/v1/otlp",
    "https://eu.api.honeyhive.ai:443/v1",
]
REFUSED = {
    "http://attacker.example\\@localhost": "backslash",
    "http://attacker.example\\@api.honeyhive.ai": "backslash",
    "https://api.honeyhive.ai\\.attacker.example": "backslash",
    "https://api.honeyhive.ai@attacker.example": "userinfo",
    "https://user:pw@api.honeyhive.ai": "userinfo",
    "https://attacker.example#@api.honeyhive.ai": "userinfo",
    "https://attacker.example?@api.honeyhive.ai": "userinfo",
    "https://attacker.example#.honeyhive.ai": "query or fragment",
    "https://attacker.example?.honeyhive.ai": "query or fragment",
    "https://attacker%2eexample%2ehoneyhive.ai": "%-escape",
    "https://api%2ehoneyhive.ai": "%-escape",
    "https://api.honeyhive.ai\t.attacker.example": "control character",
    "https://api.honeyhive.ai\n": "control character",
    " https://api.honeyhive.ai": "control character",
    "https://api.honeyhive\u3002ai": "non-ASCII",
    "https://\uff41pi.honeyhive.ai": "non-ASCII",
    "https://api.honeyhive.ai\u200b.attacker.example": "non-ASCII",
    "https://xn--hneyhive-c2a.honeyhive.ai": "punycode",
    "https://API.HoneyHive.ai": "lowercase DNS host",
    "https://api.honeyhive.ai.": "lowercase DNS host",
    "HTTPS://api.honeyhive.ai": "lowercase DNS host",
    "https://api.honeyhive.ai:8443": "port 8443",
    "https://api.honeyhive.ai:0443": "lowercase DNS host",
    "https://api.honeyhive.ai:": "lowercase DNS host",
    "http://api.honeyhive.ai": "not https",
    "ftp://api.honeyhive.ai": "lowercase DNS host",
    "https://attacker.example/collect": "not on",
    "https://api.honeyhive.ai.attacker.example": "not on",
    "https://evilhoneyhive.ai": "not on",
    "https://2130706433": "not on",
    "https://[::ffff:127.0.0.1]": "lowercase DNS host",
    "http://127.0.0.1:4318/v1/traces": "loopback address",
    "http://localhost:8080": "loopback address",
    "http://[::1]:8080": "loopback address",
    "http://localhost.:8080": "lowercase DNS host",
}


def _hosts(url: str) -> set[str]:
    """The host each client the SDK uses would connect to."""
    return {
        str(urllib3.util.parse_url(url).host).lower(),
        httpx.URL(url).host.lower(),
        str(urlsplit(url).hostname),
    }


@pytest.mark.parametrize("url", ACCEPTED)
def test_accepted_urls_are_read_alike_by_every_client(url: str) -> None:
    assert url_problem(url, DEPLOYED) is None
    hosts = _hosts(url)
    assert len(hosts) == 1, hosts
    assert hosts.pop().endswith("honeyhive.ai")


@pytest.mark.parametrize(("url", "fragment"), REFUSED.items())
def test_refused_urls_name_what_clients_would_read_differently(url: str, fragment: str) -> None:
    problem = url_problem(url, DEPLOYED)
    assert problem is not None, url
    assert fragment in problem, problem


def test_the_proven_attack_splits_the_clients() -> None:
    """The URL that sent the key to an attacker: `urlsplit` reads localhost, urllib3 does not."""
    url = "http://attacker.example\\@localhost"
    assert urlsplit(url).hostname == "localhost"
    assert urllib3.util.parse_url(url).host != "localhost"
    assert url_problem(url, LOCAL) is not None


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:4318/v1/traces", "http://localhost:8080", "http://[::1]:8080"]
)
def test_loopback_only_on_a_stack_that_is_never_deployed(url: str) -> None:
    assert url_problem(url, LOCAL) is None
    assert len(_hosts(url) - {"[::1]", "::1"}) <= 1
    assert "loopback address, allowed only on a stack that is never deployed" in str(
        url_problem(url, DEPLOYED)
    )
