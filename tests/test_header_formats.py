"""Header formats' default size limits and the W3C list formats (issue: spec language 1.1, item 4).

The vectors in tests/fixtures/codegen/header_vectors.json run the W3C Baggage and Trace Context
examples through both generated sanitizers; here: the defaults a header gets without `max_bytes`,
and that a real-sized Clerk JWT (410 bytes, which the old 256-byte default dropped) passes.
"""

from __future__ import annotations

import re

from obs_codegen.spec import header_formats

SPEC = """\
version: 1
project: {name: shop, metric_prefix: shop, environments: [prod, dev]}
services:
  api: {description: The API.}
hops:
  client-api: {description: Browser to API., from: browser, to: api}
tags:
  userIdHash: {type: hashed_id, prefix: "u:", description: Hashed user id.}
  mode: {type: enum, values: [fast, thorough], description: Mode.}
headers:
  x-request-id: {group: required, description: Request id., format: uuid-v4, hops: [client-api]}
  authorization: {group: required, description: Bearer token., format: bearer-jwt, secret: true, hops: [client-api]}
  traceparent: {group: tracing, description: Trace., format: traceparent, hops: [client-api]}
  tracestate: {group: tracing, description: Trace state., format: tracestate, hops: [client-api]}
  baggage: {group: tracing, description: Baggage., format: baggage, hops: [client-api]}
  x-user-id: {group: recommended, description: User., format: hashed-id, tag: userIdHash, identity: true, hops: [client-api]}
  x-mode: {group: recommended, description: Mode., format: enum, tag: mode, hops: [client-api]}
  x-version: {group: recommended, description: Literal., format: literal, value: "2", hops: [client-api]}
  x-thing: {group: recommended, description: A token., format: token, hops: [client-api]}
  x-small-jwt: {group: recommended, description: Own limit., format: bearer-jwt, secret: true, max_bytes: 300, hops: [client-api]}
"""


def test_each_format_gets_its_default_limit(compile_text) -> None:  # type: ignore[no-untyped-def]
    compiled = compile_text(SPEC)
    assert compiled.ok, [d.text() for d in compiled.diagnostics]
    limits = {h.name: h.max_bytes for h in compiled.model.headers}
    assert limits == {"x-request-id": 36, "authorization": 8192, "traceparent": 55, "tracestate": 512,
                      "baggage": 8192, "x-user-id": 2 + 64, "x-mode": len("thorough"), "x-version": 1,
                      "x-thing": 256, "x-small-jwt": 300}


def test_fixed_size_defaults_fit_their_patterns_exactly(compile_text) -> None:  # type: ignore[no-untyped-def]
    model = compile_text(SPEC).model
    samples = {"x-request-id": "0af76519-16cd-43dd-8448-eb211c80319c",
               "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
               "x-user-id": "u:" + "ab" * 32}
    for h in model.headers:
        if h.name in samples:
            assert re.fullmatch(h.pattern, samples[h.name]) and len(samples[h.name]) == h.max_bytes, h.name


def test_a_real_sized_jwt_passes_and_the_full_sha256_digest_is_a_hashed_id(compile_text) -> None:  # type: ignore[no-untyped-def]
    model = compile_text(SPEC).model
    jwt = "Bearer " + "e" * 36 + "." + "p" * 300 + "." + "s" * 65  # 410 bytes, like a Clerk session token
    assert len(jwt) == 410
    auth = next(h for h in model.headers if h.name == "authorization")
    assert re.fullmatch(auth.pattern, jwt) and len(jwt) <= auth.max_bytes
    user = next(h for h in model.headers if h.name == "x-user-id")
    assert re.fullmatch(user.pattern, "u:" + "a" * 32) and re.fullmatch(user.pattern, "u:" + "a" * 64)
    assert not re.fullmatch(user.pattern, "u:" + "a" * 48)


def test_w3c_list_formats() -> None:
    baggage, tracestate = re.compile(header_formats.BAGGAGE), re.compile(header_formats.TRACESTATE)
    assert baggage.fullmatch("key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue")
    assert not baggage.fullmatch('k="quoted"') and not baggage.fullmatch("k=v w")
    assert tracestate.fullmatch("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
    assert tracestate.fullmatch(",".join(f"k{i}=v" for i in range(32)))
    assert not tracestate.fullmatch(",".join(f"k{i}=v" for i in range(33)))  # at most 32 list members
    assert tracestate.fullmatch("a=1,,b=2") and tracestate.fullmatch("a=1, ") and tracestate.fullmatch("")
    assert baggage.fullmatch(",".join(f"k{i}=v" for i in range(180)))  # the grammar's 180 members
    assert not baggage.fullmatch(",".join(f"k{i}=v" for i in range(181)))
