"""Header value formats: the pattern each is validated against at a boundary and its default size limit.

Data, not logic: every format's grammar and its default `max_bytes` with the source it comes from.
A header's own `max_bytes` wins; a format whose grammar fixes the size (uuid-v4, traceparent,
hashed-id, enum, literal) defaults to exactly that size; bearer-jwt, baggage and tracestate default
to what their standards or real tokens need; `token` keeps `header_policy.default_max_bytes` (256).
"""

from __future__ import annotations

UUID_V4 = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
TRACEPARENT = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
BEARER_JWT = r"^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$"
TOKEN = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"

# W3C Trace Context, section 3.3.1 (tracestate): up to 32 list members `key=value`, OWS around commas;
# empty and whitespace-only members (and an empty value) must be accepted.
_TS_KEY = r"(?:[a-z][a-z0-9_*/-]{0,255}|[a-z0-9][a-z0-9_*/-]{0,240}@[a-z][a-z0-9_*/-]{0,13})"
_TS_VALUE = r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]"
_TS_MEMBER = f"{_TS_KEY}={_TS_VALUE}"
TRACESTATE = rf"^[ \t,]*(?:{_TS_MEMBER}(?:[ \t]*,[ \t,]*{_TS_MEMBER}){{0,31}})?[ \t,]*$"

# W3C Baggage, section 3.3.1: `list-member 0*179( OWS "," OWS list-member )`, members `key=value` with
# `;property` parts; keys are RFC 7230 tokens, values baggage-octets (percent-encoding allowed), OWS around
# `=`, `;` and `,`. (64 members is what a platform must at least propagate, not the grammar's limit.)
_BG_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_BG_VALUE = r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"
_BG_MEMBER = rf"{_BG_TOKEN}[ \t]*=[ \t]*{_BG_VALUE}(?:[ \t]*;[ \t]*{_BG_TOKEN}(?:[ \t]*=[ \t]*{_BG_VALUE})?)*"
BAGGAGE = rf"^{_BG_MEMBER}(?:[ \t]*,[ \t]*{_BG_MEMBER}){{0,179}}$"

PATTERNS = {"uuid-v4": UUID_V4, "traceparent": TRACEPARENT, "tracestate": TRACESTATE, "baggage": BAGGAGE,
            "bearer-jwt": BEARER_JWT, "token": TOKEN}

# Default max_bytes of the formats whose size does not follow from their grammar, and why.
DEFAULT_MAX_BYTES = {
    # 8 KiB: the header line nginx (large_client_header_buffers) and most proxies accept; Clerk and
    # Auth0 session JWTs are 0.4-2 KiB, with custom claims up to a few KiB.
    "bearer-jwt": 8192,
    # W3C Baggage 3.3.1.1: a platform must propagate baggage of at least 8192 bytes.
    "baggage": 8192,
    # W3C Trace Context 3.3.1.5: vendors should propagate at least 512 characters of tracestate.
    "tracestate": 512,
    "uuid-v4": 36,  # RFC 9562 string form
    "traceparent": 55,  # version 00: 2 + 1 + 32 + 1 + 16 + 1 + 2
}

FORMATS = ("uuid-v4", "bearer-jwt", "hashed-id", "traceparent", "tracestate", "baggage", "enum", "token", "literal")


def default_max_bytes(fmt: str, values: tuple[str, ...], value: str | None, hashed_len: int | None,
                      policy_default: int) -> int:
    """The limit of a header that sets no `max_bytes`: exact for fixed grammars, else the format's default."""
    if fmt == "literal" and value is not None:
        return max(1, len(value.encode("utf-8")))
    if fmt == "enum" and values:
        return max(len(v.encode("utf-8")) for v in values)
    if fmt == "hashed-id" and hashed_len is not None:
        return hashed_len
    return DEFAULT_MAX_BYTES.get(fmt, policy_default)


# ECMA-262's syntax characters: the only ones a `u`-flag pattern may escape (and must, to match literally).
SYNTAX = frozenset("^$\\.*+?()[]{}|")


def escape(text: str) -> str:
    """`text` as a pattern matching exactly it in JavaScript (with or without the u flag) and Python;
    `re.escape` also escapes `-`, `#`, space and `&`, which the u flag rejects."""
    return "".join("\\" + c if c in SYNTAX else c for c in text)
