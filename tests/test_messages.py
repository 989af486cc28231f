"""The exact text of the diagnostics a second team found unclear (issue: spec language 1.1).

Each case is the smallest spec that used to give a misleading message; the test pins the new
text, its position and rule, and that it comes once (no follow-on errors).
"""

from __future__ import annotations

import pytest

BASE = """\
version: 1
project: {name: shop, metric_prefix: shop, environments: [prod, dev], links: {catalog: "https://docs.example/o.md", grafana: "https://g.example"}}
services:
  api: {description: The API.}
tags:
  env: {type: environment, description: Environment.}
  route: {type: enum, values: [a, b], description: Route.}
metrics:
  api.request.count: {type: counter, unit: requests, tags: [env], description: Requests.}
  api.request.errors: {type: counter, unit: requests, tags: [env], part_of: api.request.count, description: Errors.}
"""

CASES = {
    # was: version: '1' is not one of [1]; did you mean '1'?
    "version-string": (BASE.replace("version: 1", 'version: "1"'),
                       [("spec-enum", 1, 10, "version must be the number 1, not the string '1' (remove the quotes)")]),
    # was: "objective must be a percentage between 0 and 100, got 100", three times for three windows
    "objective-100": (BASE + """\
slos:
  availability:
    service: api
    description: Requests that succeed.
    objective: 100
    ratio: {errors: api.request.errors, total: api.request.count}
""", [("slo-objective", 15, 16, "objective of 100% leaves no error budget (one failure breaks it): use a "
                                "percentage below 100, such as 99.9")]),
    # was: unknown object 'parcel'; did you mean 'place'?  (parcel exists: it nests itself)
    "object-itself": (BASE + """\
logs:
  envelope:
    ts: {type: datetime, required: true, description: Time.}
    requestId: {type: uuid, required: true, description: Request id.}
  objects:
    place: {description: A place., fields: {city: {type: enum, values: [x], description: City.}}}
    parcel: {description: A parcel., fields: {inner: {object: parcel, description: Nested.}}}
  events: {}
""", [("ref-object-cycle", 17, 63, "object 'parcel' contains itself: a JSON log line cannot nest an object in "
                                   "itself; flatten the inner level")]),
    # was: unknown service 'stripe' (no hint that third parties exist)
    "hop-third-party": (BASE + """\
hops:
  api-stripe: {description: Payments., from: api, to: stripe}
""", [("ref-unknown-service", 12, 55, "unknown hop end 'stripe': not a service, an external party or one of "
                                      "browser, client, edge; declare a third party under `externals: {stripe: ...}`")]),
    # was: "unknown tag 'http'" and follow-on errors for every metric using the set
    "nested-tag-set": (BASE.replace("tags: [env], description: Requests.", "tags: [http], description: Requests.")
                       .replace("tags: [env], part_of:", "tags: [http], part_of:")
                       + "tag_sets:\n  base: [env]\n  http: [base, route]\n", []),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_message_text(case: str, compile_text) -> None:  # type: ignore[no-untyped-def]
    text, expected = CASES[case]
    compiled = compile_text(text)
    got = [(d.rule, d.line, d.column, d.message) for d in compiled.diagnostics if d.severity == "error"]
    assert got == expected, [d.text() for d in compiled.diagnostics]


def test_deep_nesting_is_a_diagnostic_not_a_recursion_error(compile_text) -> None:  # type: ignore[no-untyped-def]
    sets = "".join(f"  s{i}: [s{i + 1}]\n" for i in range(1500)) + "  s1500: [env]\n"
    objects = "".join(f"    o{i}: {{description: O., fields: {{x: {{object: o{i + 1}, description: X.}}}}}}\n"
                      for i in range(1500))
    objects += "    o1500: {description: O., fields: {y: {type: integer, description: Y.}}}\n"
    text = BASE + "tag_sets:\n" + sets + """\
logs:
  envelope:
    requestId: {type: uuid, required: true, description: Request id.}
  objects:
""" + objects + "  events: {}\n"
    compiled = compile_text(text)
    rules = [d.rule for d in compiled.diagnostics if d.severity == "error"]
    assert rules.count("ref-nesting-depth") == 2, [d.text() for d in compiled.diagnostics][:5]
