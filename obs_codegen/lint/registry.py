"""The lint rule registry: every rule id a user can see, with its purpose and severity.

Each rule has a stable id, a one-line purpose, a severity and a check function
`(model, source) -> iterable of Diagnostic`. A rule that renders the model (`renders=True`)
runs only when the loader and resolver found no error: a renderer may assume a sound model,
and a value the loader replaced (a control character) must never reach it. Rules whose findings are produced by
earlier stages (the loader's `spec-*`, the resolver's `ref-*`) are registered too,
without a function, so `obs-codegen lint --list-rules` documents every id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..diagnostics import Diagnostic, Severity
from ..spec.loader import Source
from ..spec.model import LogField, Model

Check = Callable[[Model, Source], Iterable[Diagnostic]]

@dataclass(frozen=True)
class Rule:
    id: str
    purpose: str
    severity: Severity
    check: Check | None = None
    renders: bool = False


RULES: dict[str, Rule] = {}


def rule(rule_id: str, purpose: str, severity: Severity = "error", renders: bool = False) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        RULES[rule_id] = Rule(rule_id, purpose, severity, fn, renders)
        return fn

    return register


def _stage(rule_id: str, purpose: str) -> None:
    RULES[rule_id] = Rule(rule_id, purpose, "error")


for _id, _purpose in (
    ("spec-too-large", "The spec file is over the size limit (bytes, or YAML nodes before any alias expansion)."),
    ("spec-encoding", "The spec file is not UTF-8."),
    ("spec-yaml", "The spec is not valid YAML (or uses merge keys / complex keys)."),
    ("spec-yaml-aliases", "Too many YAML aliases or nodes (YAML bomb protection)."),
    ("spec-control-character", "A string holds a control character, lone surrogate or U+2028/U+2029, "
                               "or a newline or tab outside a description."),
    ("spec-empty", "The spec file is empty."),
    ("spec-duplicate-key", "A mapping defines the same key twice."),
    ("spec-unknown-key", "A key the spec language does not know (with a did-you-mean)."),
    ("spec-missing-key", "A required key is missing."),
    ("spec-type", "A value has the wrong type."),
    ("spec-enum", "A value is not one of the allowed values."),
    ("spec-pattern", "A name or value does not match its required pattern."),
    ("spec-schema", "Another violation of the spec schema."),
    ("ref-unknown-service", "A reference to a service that is not defined."),
    ("ref-unknown-tag", "A reference to a tag or tag set that is not defined."),
    ("ref-unknown-tag-value", "A filter uses a value the tag does not have."),
    ("ref-unknown-metric", "A reference to a metric that is not defined."),
    ("ref-unknown-hop", "A header lists a hop that is not defined."),
    ("ref-unknown-object", "A log field refers to an object that is not defined."),
    ("ref-unknown-bucket-set", "A histogram refers to a bucket set that is not defined."),
    ("ref-unknown-budget", "An alert refers to a budget that is not defined."),
    ("ref-unknown-environment", "A per-environment value names an unknown environment."),
    ("ref-missing-environment", "A per-environment value misses an environment."),
    ("ref-missing-values", "An enum tag or field has no values."),
    ("ref-ambiguous-tag-set", "A tag set has the name of a tag."),
    ("ref-unknown-header-group", "A header names a group that is neither built in nor under `header_groups:`."),
    ("ref-nesting-depth", "Tag sets or log objects nest more than 32 deep."),
    ("ref-object-cycle", "A log object nests itself, directly or through other objects."),
    ("ref-tag-set-cycle", "A tag set includes itself, directly or through other tag sets."),
    ("ref-external-is-service", "A name is declared both as a service and as an external party."),
    ("ref-unknown-envelope-field", "An event's `envelope.optional` names a field the envelope does not have."),
    ("ref-envelope-optional", "An event's `envelope.optional` names an envelope field that is already optional."),
    ("ref-unknown-discriminator", "A log event's discriminator is not one of its required fields."),
    ("ref-slo-kind", "An SLO is neither a ratio nor a latency SLO."),
    ("ref-alert-kind", "An alert has no quantile, ratio, gauge or cost_per_user condition."),
    ("ref-alert-threshold", "An alert has no threshold."),
):
    _stage(_id, _purpose)


# --- helpers ----------------------------------------------------------------------------

def _raw(src: Source, *path: Any) -> list[Any]:
    node = src.data
    for p in path:
        node = node.get(p) if isinstance(node, dict) else None
    return node if isinstance(node, list) else []


def _index_of(raw: list[Any], tag: str, sets: dict[str, list[str]]) -> int:
    """Index of `tag` in a raw tag list, directly or through a tag set (positions stay those of the file)."""
    for i, name in enumerate(raw):
        if name == tag or (isinstance(name, str) and isinstance(sets.get(name), list) and tag in sets[name]):
            return i
    return 0


def _valid_regex(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError):  # `a{4294967296}`, parentheses nested 1000 deep
        return False
    return True


def log_fields(model: Model) -> Iterator[tuple[tuple[str, ...], LogField]]:
    """(spec path, field) of every log field: the envelope, each object's and each event's."""
    for f in model.logs.envelope:
        yield ("logs", "envelope", f.name), f
    for o in model.logs.objects:
        for f in o.fields:
            yield ("logs", "objects", o.name, "fields", f.name), f
    for e in model.logs.events:
        for f in e.fields:
            yield ("logs", "events", e.key, "fields", f.name), f


def run_rules(model: Model, src: Source, sound: bool = True) -> list[Diagnostic]:
    """Run every registered check; a finding's severity is the rule's unless the check set one.

    `sound`: the earlier stages found no error; rules that render the model run only then.
    """
    from ..heap import frozen, refreeze

    out: list[Diagnostic] = []
    with frozen():  # the model and source: read by every rule, never walked by the collector meanwhile
        for r in RULES.values():
            if r.check is not None and (sound or not r.renders):
                out.extend(r.check(model, src))
                refreeze()
    return out
