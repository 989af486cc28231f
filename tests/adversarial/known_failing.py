"""KNOWN_FAILING: the hostile cases that fail today, each with its reason and the part of issue 18 to fix it.

tests/test_hostile_specs.py fails when a listed case passes (delete its line as the fix lands) and
when an unlisted case fails, so this list is always exactly today's failures. Parts: A escaping and
identifiers, B writer and input bounds, C header helpers, D Prometheus and log schemas; "none" means
no part of issue 18 covers it yet.
"""

from __future__ import annotations

KNOWN_FAILING: dict[str, str] = {
}
