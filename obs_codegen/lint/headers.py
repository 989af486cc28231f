"""Lint rules for HTTP headers: names, formats, identity and secrets across hops."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..spec.loader import Source
from ..spec.model import Model
from .registry import rule

# --- headers ----------------------------------------------------------------------

HEADER_NAME = re.compile(r"^[a-z0-9!#$%&'*+.^_`|~-]+$")
IDENTITY_HINT = re.compile(r"(user|session|focus|group|account|email|customer)[-_]?id|email|phone", re.I)


@rule("header-name", "Header names are valid lowercase HTTP tokens.")
def _header_name(model: Model, src: Source) -> Iterator[Diagnostic]:
    for h in model.headers:
        if not HEADER_NAME.fullmatch(h.name):
            yield src.diag(("headers", h.name), "header-name",
                           f"header '{h.name}' must be a lowercase HTTP token (RFC 9110)", key=True)


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
        elif not h.identity and not h.secret and IDENTITY_HINT.search(h.name):
            yield src.diag(path, "header-identity-hashed",
                           f"'{h.name}' looks like an identity: mark it `identity: true` with format hashed-id", key=True)
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
        if not h.secret and CREDENTIAL_HINT.search(h.name):
            yield src.diag(("headers", h.name), "header-secret-hop",
                           f"'{h.name}' carries a credential: mark it secret: true", key=True)


# Header names that carry credentials: they must be declared secret (and so never cross an external hop).
CREDENTIAL_HINT = re.compile(r"authorization|cookie|api-?key|token|secret|password|passwd|credential|signature", re.I)
