"""Deprecations: an item that still exists but is on its way out (`deprecated: {since, replacement, remove_after}`).

A deprecated metric, tag (label), header or log field is still emitted and still valid; the
declaration tells its readers what to move to and until when. Generated code marks it
(`@deprecated` in TypeScript, a PEP 702 marker in Python), the catalog and the log schemas say
so, lint warns once `remove_after` has passed, and `obs-codegen diff` treats its removal after
that date as expected rather than breaking.

"Today" is the UTC date of `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention, so
CI and tests pin it), else the machine's UTC date. Only lint and diff read it; generated files
never depend on the date.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from typing import Any

DATE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


@dataclass(frozen=True)
class Deprecation:
    since: str  # ISO date (YYYY-MM-DD) or a version string
    replacement: str | None = None  # the spec name of what to use instead (same kind of item)
    remove_after: str | None = None  # ISO date after which the item may be removed

    def sentence(self, kind: str = "") -> str:
        """'Deprecated since 2026-11-01; use `x` instead; to be removed after 2027-03-01.'"""
        parts = [f"Deprecated since {self.since}"]
        if self.replacement:
            parts.append(f"use {kind + ' ' if kind else ''}`{self.replacement}` instead")
        if self.remove_after:
            parts.append(f"to be removed after {self.remove_after}")
        return "; ".join(parts) + "."


def parse(raw: Any) -> Deprecation | None:
    """The `deprecated:` mapping of an item (already schema-checked), or None."""
    if not isinstance(raw, dict) or not isinstance(raw.get("since"), str):
        return None
    replacement = raw.get("replacement")
    remove_after = raw.get("remove_after")
    return Deprecation(raw["since"], replacement if isinstance(replacement, str) else None,
                       remove_after if isinstance(remove_after, str) else None)


def as_date(text: str | None) -> _dt.date | None:
    """An ISO date, or None for anything else (a version string such as `since: v2.3`)."""
    if text is None:
        return None
    try:
        return _dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def today() -> _dt.date:
    """The UTC date of SOURCE_DATE_EPOCH if set and valid, else of now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        try:
            return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date()
        except (OverflowError, OSError, ValueError):
            pass
    return _dt.datetime.now(_dt.timezone.utc).date()


def expired(dep: Deprecation | None, on: _dt.date | None = None) -> bool:
    """True when `dep` has a `remove_after` date and that date has passed."""
    after = as_date(dep.remove_after) if dep is not None else None
    return after is not None and (on or today()) > after
