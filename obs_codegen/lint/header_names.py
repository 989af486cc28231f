"""Header names by shape: the spelling every comparison uses, and what a name looks like it carries.

Proxies and frameworks disagree about header names: HTTP compares them case-insensitively,
nginx drops names with `_` by default, and CGI/WSGI (`HTTP_X_API_KEY`) merge `x_api_key`
with `x-api-key`. So the name heuristics never look at the spelling the spec uses but at
its normalised form (lower case, `_` -> `-`) split into parts (`X-Api_Key` -> `x`, `api`,
`key`), and match words inside parts as well as whole parts, so `x-apikey`, `x-api_key`
and `X-API-KEY` are all a credential.

`shapes(name)` returns what a name looks like it carries, each with the part that says so:

  * `credential` (must be declared `secret: true`): authorization, cookies, tokens,
    secrets, passwords, signatures, JWTs and assertions, and any `...-key` except keys
    that are plainly not credentials (`idempotency-key`, `cache-key`, ...);
  * `identity` (must be declared `identity: true` or `secret: true`): users, sessions,
    accounts, customers, emails, phones, principals, logins, device and member ids;
  * `client-address` (must be declared `identity: true` or `secret: true`): the client's
    IP address (`x-forwarded-for`, `forwarded`, `x-real-ip`, `cf-connecting-ip`, ...).

A heuristic is a second line of defence: the first is the declaration (a header crosses
an external hop only when it is declared on it and neither secret nor identity).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

Shape = Literal["credential", "identity", "client-address"]

# Words that mark a credential anywhere inside a part (`x-csrftoken`, `x-goog-api-key`, `oauth`).
CREDENTIAL_WORDS = ("auth", "token", "secret", "passw", "passphrase", "credential", "cookie", "signature", "jwt",
                    "bearer", "csrf", "xsrf", "assertion", "apikey", "accesskey", "privatekey", "secretkey", "saml")
# Parts that are a credential on their own (`x-sig`, `x-api-key`, `x-functions-key`).
CREDENTIAL_PARTS = frozenset(("pwd", "sig", "otp", "key", "keys"))
# `<qualifier>-key` names that are not credentials.
BENIGN_KEY_QUALIFIERS = frozenset(("idempotency", "cache", "routing", "partition", "dedup", "deduplication", "sort",
                                   "shard"))

# Words that mark an identity anywhere inside a part (`x-userid`, `x-session`, `x-email-address`).
IDENTITY_WORDS = ("user", "session", "email", "phone", "msisdn", "principal", "login", "account", "customer")
# `<qualifier>-id` / `<qualifier>id` names that identify a person or their device.
ID_QUALIFIERS = frozenset(("focus", "group", "device", "visitor", "anonymous", "member", "person", "patient", "player"))

# `forwarded` (RFC 7239) and `x-forwarded-for` carry the client address; `x-forwarded-host` and friends do not.
FORWARDED_BENIGN = frozenset(("host", "proto", "port", "prefix", "server", "scheme", "path", "uri", "ssl"))
ADDRESS_PARTS = frozenset(("ip", "ips", "ipv4", "ipv6", "addr", "address"))
ADDRESS_WORDS = ("realip", "clientip", "remoteip", "connectingip", "originatingip", "forwardedfor", "remoteaddr",
                 "clientaddr")

_SEPARATORS = re.compile(r"[^a-z0-9]+")


def normalise(name: str) -> str:
    """The spelling comparisons use: lower case, `_` -> `-` (`X-Api_Key` -> `x-api-key`)."""
    return name.lower().replace("_", "-")


def parts(name: str) -> tuple[str, ...]:
    """The normalised name's alphanumeric parts: `X-Api_Key` -> ('x', 'api', 'key')."""
    return tuple(p for p in _SEPARATORS.split(normalise(name)) if p)


def _credential(ps: tuple[str, ...]) -> str | None:
    for i, p in enumerate(ps):
        if any(w in p for w in CREDENTIAL_WORDS):
            return p
        if p in CREDENTIAL_PARTS and not (p in ("key", "keys") and i > 0 and ps[i - 1] in BENIGN_KEY_QUALIFIERS):
            return p
    return None


def _identity(ps: tuple[str, ...]) -> str | None:
    for i, p in enumerate(ps):
        nxt = ps[i + 1] if i + 1 < len(ps) else ""
        if p == "user" and nxt == "agent" or p == "useragent":
            continue  # `user-agent` names the client software, not a person
        if any(w in p for w in IDENTITY_WORDS) or p == "uid":
            return p
        if p in ID_QUALIFIERS and nxt == "id" or (p.endswith("id") and p[:-2] in ID_QUALIFIERS):
            return f"{p}-{nxt}" if nxt == "id" else p
    return None


def _client_address(ps: tuple[str, ...]) -> str | None:
    for i, p in enumerate(ps):
        nxt = ps[i + 1] if i + 1 < len(ps) else ""
        if p == "forwarded" and nxt not in FORWARDED_BENIGN:
            return f"{p}-{nxt}" if nxt else p
        if p in ADDRESS_PARTS or any(w in p for w in ADDRESS_WORDS):
            return p
    return None


def shapes(name: str) -> dict[Shape, str]:
    """What `name` looks like it carries, each with the (normalised) part that says so."""
    ps = parts(name)
    found: dict[Shape, str] = {}
    for shape, test in _TESTS:
        evidence = test(ps)
        if evidence is not None:
            found[shape] = evidence
    return found


_TESTS: tuple[tuple[Shape, Callable[[tuple[str, ...]], str | None]], ...] = (
    ("credential", _credential), ("identity", _identity), ("client-address", _client_address))
