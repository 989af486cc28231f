"""Readable titles from dotted metric names, for when the spec gives no `title`."""

from __future__ import annotations

# name suffixes that only repeat the unit (the panel's axis shows it)
_UNIT_SUFFIXES = frozenset({"ms", "seconds", "bytes", "cents"})


def humanise(key: str) -> str:
    """"next.request.latency_ms" -> "Request latency": without the service and a `_<unit>` suffix, as words."""
    parts = key.split(".")
    parts = parts[1:] if len(parts) > 1 else parts
    last = parts[-1].split("_")
    if len(last) > 1 and last[-1] in _UNIT_SUFFIXES:  # "latency_ms", not a segment that is only the unit
        parts[-1] = "_".join(last[:-1])
    text = " ".join(" ".join(parts).replace("_", " ").split())
    return text[:1].upper() + text[1:] if text else key
