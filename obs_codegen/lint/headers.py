"""Lint rules for HTTP headers: names, formats, identity and secrets across hops.

Headers are judged by declaration and by shape. By declaration: a header crosses an
external hop only when it lists that hop and is neither `secret` nor `identity` (the
generated `sanitize` helpers enforce the same rule at run time, and drop every header
the spec does not declare). By shape: a name that looks like a credential, an identity
or a client address in any spelling (`header_names.shapes`, on the lower-cased name
with `_` read as `-`) must carry the declaration that keeps it off external hops.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..spec.loader import Source
from ..spec.model import Model
from .header_names import normalise, shapes
from .registry import rule

# --- headers ----------------------------------------------------------------------

HEADER_NAME = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")
PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")


def _spelled(name: str) -> str:
    """` (read as 'x-api-key')` when the normalised spelling differs from the spec's."""
    return "" if normalise(name) == name else f" (read as '{normalise(name)}')"


@rule("header-name", "Header names are lowercase HTTP tokens without '_'.")
def _header_name(model: Model, src: Source) -> Iterator[Diagnostic]:
    for h in model.headers:
        if not HEADER_NAME.fullmatch(h.name):
            yield src.diag(("headers", h.name), "header-name",
                           f"header '{h.name}' must be a lowercase HTTP token (RFC 9110)", key=True)
        elif "_" in h.name:
            yield src.diag(("headers", h.name), "header-name",
                           f"header '{h.name}' must use '-', not '_': nginx drops '_' names and CGI/WSGI merge "
                           "them with the '-' spelling, so the generated helpers never forward them", key=True)


@rule("header-value-ascii", "Header values the spec fixes (literal values, enum tag values) are printable ASCII.",
      "warning")
def _header_value_ascii(model: Model, src: Source) -> Iterator[Diagnostic]:
    """The generated helpers forward only printable ASCII values (no control character, no non-ASCII)."""
    for h in model.headers:
        if h.format == "literal" and h.value is not None and not PRINTABLE_ASCII.fullmatch(h.value):
            yield src.diag(("headers", h.name, "value"), "header-value-ascii",
                           f"literal header '{h.name}' can never be forwarded: header values must be printable "
                           "ASCII (no control character, no non-ASCII)", "warning")
        if h.format == "enum" and h.tag is not None and h.tag.kind == "enum":
            bad = [v for v in h.tag.values if not PRINTABLE_ASCII.fullmatch(v)]
            if bad:
                yield src.diag(("headers", h.name, "tag"), "header-value-ascii",
                               f"enum header '{h.name}' can never carry {len(bad)} value(s) of tag '{h.tag.name}' "
                               f"(first: {bad[0]!r}): header values must be printable ASCII", "warning")


@rule("header-format", "A header's format has what it needs (enum/hashed-id tag, literal value).")
def _header_format(model: Model, src: Source) -> Iterator[Diagnostic]:
    for h in model.headers:
        path = ("headers", h.name)
        if h.format == "literal" and h.value is None:
            yield src.diag(path, "header-format", f"literal header '{h.name}' needs `value:`", key=True)
        if h.format in ("enum", "hashed-id") and h.tag is None:
            yield src.diag(path, "header-format", f"{h.format} header '{h.name}' needs `tag:`", key=True)
        if h.format == "enum" and h.tag is not None and h.tag.kind != "enum":
            yield src.diag(path + ("tag",), "header-format", f"enum header '{h.name}' needs an enum tag")
        if h.format == "hashed-id" and h.tag is not None and h.tag.kind != "hashed_id":
            yield src.diag(path + ("tag",), "header-format", f"hashed-id header '{h.name}' needs a hashed_id tag")
        if h.format == "literal" and h.value is not None and len(h.value.encode()) > h.max_bytes:
            yield src.diag(path, "header-format", f"'{h.name}' value is longer than its max_bytes", key=True)


@rule("header-identity-hashed", "Headers that carry an identity are declared identity and use the hashed-id format.")
def _header_identity(model: Model, src: Source) -> Iterator[Diagnostic]:
    for h in model.headers:
        path = ("headers", h.name)
        if h.identity and h.format != "hashed-id":
            yield src.diag(path + ("format",), "header-identity-hashed",
                           f"identity header '{h.name}' must use format hashed-id, never a raw id")
        elif not h.identity and not h.secret:
            shape = shapes(h.name)
            if "identity" in shape:
                yield src.diag(path, "header-identity-hashed",
                               f"'{h.name}'{_spelled(h.name)} looks like an identity (part '{shape['identity']}'): "
                               "mark it `identity: true` with format hashed-id, or `secret: true`", key=True)
            elif "client-address" in shape:
                yield src.diag(path, "header-identity-hashed",
                               f"'{h.name}'{_spelled(h.name)} looks like a client address (part "
                               f"'{shape['client-address']}'), which is personal data: mark it `secret: true` "
                               "(kept inside, never logged) or `identity: true` with format hashed-id", key=True)
        if h.format == "hashed-id" and not h.identity:
            yield src.diag(path, "header-identity-hashed", f"hashed-id header '{h.name}' must set identity: true", key=True)


@rule("header-secret-hop", "Secret and identity headers never cross an external hop (e.g. to a provider).")
def _secret_hop(model: Model, src: Source) -> Iterator[Diagnostic]:
    external = {h.name for h in model.hops if h.external}
    for h in model.headers:
        if not (h.secret or h.identity):
            continue
        what = "secret" if h.secret else "identity"
        for i, hop in enumerate(h.hops):
            if hop in external:
                yield src.diag(("headers", h.name, "hops", i), "header-secret-hop",
                               f"{what} header '{h.name}' must not be propagated over external hop '{hop}'")
    for h in model.headers:
        credential = shapes(h.name).get("credential")
        if not h.secret and credential is not None:
            yield src.diag(("headers", h.name), "header-secret-hop",
                           f"'{h.name}'{_spelled(h.name)} looks like a credential (part '{credential}'): "
                           "mark it secret: true", key=True)


@rule("hop-external-service", "A hop to a third party points at an external party, not at a service marked "
      "`external: true`.", "warning")
def _external_service(model: Model, src: Source) -> Iterator[Diagnostic]:
    services = {s.name for s in model.services}
    for hop in model.hops:
        if hop.external and hop.target in services:
            yield src.diag(("hops", hop.name, "to"), "hop-external-service",
                           f"hop '{hop.name}' reaches a third party but points at service '{hop.target}': declare "
                           f"the third party under `externals:` and set `to:` to it (a service emits metrics, a "
                           "third party does not)", "warning")
