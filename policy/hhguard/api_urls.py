"""Where the SDK may send the HoneyHive key, judged as the clients that connect read a URL.

The SDK's HTTP stack (urllib3 under requests, httpx, the OTLP exporter) and `urllib.parse`
disagree on odd URLs: `http://evil\\@localhost` is host `localhost` to `urlsplit` and host `evil`
to urllib3; httpx maps Unicode hosts through IDNA (fullwidth letters become ASCII); a `%`-escape
in the host is decoded by some and not others. So a URL is accepted only in the plain form every
client reads the same way: a lowercase `https` scheme, an ASCII DNS host (or a loopback address),
an optional port from an allowlist, an optional path of unreserved characters; no userinfo,
backslash, control or non-ASCII character, `%`-escape in the host, query or fragment, and no
punycode label. Loopback is accepted only on a stack that is never deployed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_URL: Final = re.compile(
    r"^(?P<scheme>https?)://(?P<host>" + _LABEL + r"(?:\." + _LABEL + r")*|\[::1\])"
    r"(?::(?P<port>[1-9][0-9]{0,4}))?(?P<path>/[A-Za-z0-9._~/-]*)?$"
)
_IPV4_LOOPBACK: Final = "127.0.0.1"
LOOPBACK_NAMES: Final = ("localhost", _IPV4_LOOPBACK, "[::1]")
_MAX_PORT: Final = 65535


@dataclass(frozen=True)
class UrlPolicy:
    domains: Sequence[str]
    """HoneyHive's domains; a host is allowed when it is one or a subdomain of one."""
    ports: Sequence[int]
    """Ports allowed (explicitly written) on those hosts; none written means 443."""
    loopback: bool
    """Whether loopback hosts are allowed (a stack that is never deployed)."""


def _shape_problem(url: str) -> str | None:
    """What a client could read differently, before any parsing."""
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return "contains a space or control character"
    if any(ord(c) > 0x7E for c in url):
        return "contains a non-ASCII character (clients map Unicode hosts through IDNA)"
    for char, what in (("\\", "a backslash"), ("@", "'@' (userinfo)"), ("%", "a %-escape")):
        if char in url:
            return f"contains {what}, which clients parse differently"
    if "?" in url or "#" in url:
        return "has a query or fragment; an API URL is scheme://host[:port][/path]"
    return None


def url_problem(url: str, policy: UrlPolicy) -> str | None:
    """Why the SDK must not send the key to `url` (None: it may)."""
    if problem := _shape_problem(url):
        return f"{url!r} {problem}"
    match = _URL.match(url)
    if match is None:
        return (
            f"{url!r} is not of the form https://<host>[:port][/path] with a lowercase DNS "
            "host name (letters, digits, '-', '.')"
        )
    host, port = match["host"], match["port"]
    if host in LOOPBACK_NAMES:
        if not policy.loopback:
            return (
                f"{url!r} is a loopback address, allowed only on a stack that is never deployed "
                "(the local runtime sets its own ingest URL): remove hhApiUrl"
            )
        if port is not None and int(port) > _MAX_PORT:
            return f"{url!r} has port {port}, beyond {_MAX_PORT}"
        return None
    if match["scheme"] != "https":
        return f"{url!r} is not https, so the key would travel in clear text"
    if any(label.startswith("xn--") for label in host.split(".")):
        return f"{url!r} has a punycode (IDNA) label in its host; write the host in ASCII"
    domains = [d.lower() for d in policy.domains]
    if not any(host == d or host.endswith(f".{d}") for d in domains):
        return f"{url!r} is not on {list(policy.domains)} or a subdomain of one"
    if port is not None and int(port) not in policy.ports:
        return f"{url!r} uses port {port}; only {list(policy.ports)} are allowed"
    return None
