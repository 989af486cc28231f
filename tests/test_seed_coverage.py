"""Every item of the Coach Up seed (shared/seed/monitoring-and-observability.md) is in the spec and the catalog.

The seed is read from ../shared/seed (the product's own copy) when it is there, else from the
snapshot in tests/fixtures/seed/ so the suite also runs in a lone clone. It is parsed: headers
from section 1, metric names and tags from section 2, every key of every example log line in
section 3. Section 4's alerts are prose, so they are listed here with the spec item that
carries each.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import OUT, ROOT

SEED_CANDIDATES = [ROOT.parent / "shared" / "seed" / "monitoring-and-observability.md",
                   ROOT / "tests" / "fixtures" / "seed" / "monitoring-and-observability.md"]
SEED = next((p for p in SEED_CANDIDATES if p.exists()), SEED_CANDIDATES[-1])
CATALOG = (OUT / "docs" / "observability.md").read_text()


def section(n: int) -> str:
    text = SEED.read_text()
    start = text.index(f"## {n})")
    nxt = text.find(f"## {n + 1})", start)
    return text[start: nxt if nxt > 0 else None]


def seed_headers() -> list[str]:
    return re.findall(r"^- ([a-z][a-z0-9-]*):", section(1), re.M)


def seed_metrics() -> list[str]:
    """Expand the seed's shorthand: `py.provider.tokens_in/out`, `provider.request.count/errors/latency_ms`."""
    names: list[str] = []
    for token in re.findall(r"\b((?:next|py|convex|web|provider)\.[a-z_./]+[a-z_])", section(2)):
        head, _, tail = token.rpartition(".")
        parts = tail.split("/")
        first = parts[0]
        names.append(f"{head}.{first}")
        for alt in parts[1:]:
            if "_" in first and "_" not in alt:  # tokens_in/out -> tokens_out
                alt = first.rsplit("_", 1)[0] + "_" + alt
            names.append(f"{head}.{alt}")
    return sorted(set(names))


def seed_log_lines() -> list[dict[str, object]]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", section(3), re.S)]


def test_seed_is_present() -> None:
    assert SEED.exists(), f"seed not found at {SEED}"


@pytest.mark.parametrize("name", seed_headers())
def test_every_seed_header(model, name: str) -> None:  # type: ignore[no-untyped-def]
    assert model.header(name).name == name
    assert f'id="header-{name}"' in CATALOG


def test_seed_header_count() -> None:
    assert len(seed_headers()) == 11


@pytest.mark.parametrize("key", seed_metrics())
def test_every_seed_metric(model, key: str) -> None:  # type: ignore[no-untyped-def]
    metric = model.metric(key)
    assert f'id="{metric.anchor}"' in CATALOG


def test_seed_metric_count() -> None:
    assert len(seed_metrics()) == 37  # 11 next + 10 py + 4 convex + 6 web + 6 provider


@pytest.mark.parametrize("tag", ["env", "route", "provider", "modelId", "rubricVersion",
                                 "userIdHash", "sessionIdHash", "focusIdHash", "groupId"])
def test_every_seed_tag(model, tag: str) -> None:  # type: ignore[no-untyped-def]
    assert model.tag(tag).name == tag
    assert f'id="tag-{tag.lower()}"' in CATALOG


def test_seed_tags_listed_in_prose_are_the_ones_tested() -> None:
    common = section(2).split("Common tags")[1].split("Next.js API")[0]
    found = set(re.findall(r"^- (\w+)", common, re.M)) | set(re.findall(r"(\w+Hash|groupId)", common))
    assert found == {"env", "route", "provider", "modelId", "rubricVersion",
                     "userIdHash", "sessionIdHash", "focusIdHash", "groupId"}


def test_seed_environments(model) -> None:  # type: ignore[no-untyped-def]
    assert model.tag("env").values == ("production", "staging", "dev")


@pytest.mark.parametrize("index", range(6))
def test_every_key_of_every_seed_log_line_is_a_field(model, index: int) -> None:  # type: ignore[no-untyped-def]
    line = seed_log_lines()[index]
    service = line["service"]
    events = model.logs.events_for(service)
    assert events, f"no log events for service {service}"
    envelope = {f.name for f in model.logs.envelope}
    event = next(e for e in events if e.discriminator in line)
    fields = {f.name: f for f in event.fields}
    for key, value in line.items():
        assert key in envelope or key in fields, f"{key} of seed line {index + 1} is not in {event.key}"
        if isinstance(value, dict):
            obj = fields[key].object
            assert obj is not None
            assert set(value) <= {f.name for f in obj.fields}, key
    assert f'id="{event.anchor}"' in CATALOG


SECTION_4 = {
    "p95 chat full-turn latency": ("slo", "chat-latency"),
    "first-token": ("alert", "ChatFirstTokenSlow"),
    "error rate": ("slo", "chat-availability"),
    "provider error rate": ("alert", "ProviderErrorRateHigh"),
    "timeouts": ("alert", "ProviderTimeoutRateHigh"),
    "assessment backlog latency": ("alert", "AssessmentBacklogSlow"),
    "daily cost per DAU": ("alert", "CostPerDauOverBudget"),
}


@pytest.mark.parametrize("phrase", sorted(SECTION_4))
def test_every_section_4_alert(model, phrase: str) -> None:  # type: ignore[no-untyped-def]
    assert phrase in section(4)
    kind, name = SECTION_4[phrase]
    items = model.slos if kind == "slo" else model.alerts
    item = next(i for i in items if i.name == name)
    assert f'id="{item.anchor}"' in CATALOG


def test_section_4_cost_alert_is_a_3_day_average_against_a_budget(model) -> None:  # type: ignore[no-untyped-def]
    alert = next(a for a in model.alerts if a.name == "CostPerDauOverBudget")
    assert alert.average_over == "3d" and alert.budget is not None


def test_section_5_privacy(model) -> None:  # type: ignore[no-untyped-def]
    p = model.project
    assert p.hashing.algorithm == "hmac-sha256" and p.hashing.salt_rotation_days > 0
    assert p.log_retention_days
    assert {"text", "audio", "transcript"} <= set(p.forbidden_log_fields)
