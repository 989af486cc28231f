"""KNOWN_FAILING: the hostile cases that fail today, each with the reason and the issue that will fix it.

tests/test_hostile_specs.py fails when a listed case passes (delete its line as the fix lands) and
when an unlisted case fails, so this list is always exactly today's failures. It is empty: every
case of the default set passes. A new generator variant that finds a defect is either fixed in the
same change or listed here with its reason, never silently skipped.
"""

from __future__ import annotations

KNOWN_FAILING: dict[str, str] = {
}
