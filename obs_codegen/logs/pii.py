"""`validate-logs --pii`: strings in free-text log fields that look like personal data.

A schema bounds a free-text field's length and type, not what it says: `error.message` of
200 characters can hold an email address. With `--pii`, every string in a free-text field
(a string property with no `enum`, `const` or `format`, or a property the schema does not
know) is searched for:

  * email addresses: `local@domain.tld`;
  * phone numbers: international `+<country> ...` with 8 to 15 digits, and North American
    `(555) 123-4567`, `555-123-4567`, `555.123.4567` (a bare run of digits is not flagged:
    durations, counts and timestamps look the same);
  * national ids: US Social Security numbers `123-45-6789` / `123 45 6789` (without the
    never-issued 000, 666, 9xx areas, 00 groups and 0000 serials), UK National Insurance
    numbers `AB 12 34 56 C`, Canadian Social Insurance numbers `123-456-782` (Luhn-valid).

Findings name the field and the kind, never the value. Matching is heuristic: a name like
`555-123-4567` in a ticket title is flagged too, which is the point of running it in CI.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
INTERNATIONAL_PHONE = re.compile(r"(?<![\w+])\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,6}(?![\w])")
NANP_PHONE = re.compile(r"(?<![\w])(?:\(\d{3}\) ?|\d{3}[-.])\d{3}[-.]\d{4}(?![\w-])")
SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-])")
NINO = re.compile(r"(?<![\w])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w])")
SIN = re.compile(r"(?<![\w-])\d{3}([- ])\d{3}\1\d{3}(?![\w-])")


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _international(text: str) -> bool:
    return any(8 <= sum(c.isdigit() for c in m.group()) <= 15 for m in INTERNATIONAL_PHONE.finditer(text))


def _sin(text: str) -> bool:
    return any(_luhn(re.sub(r"\D", "", m.group())) for m in SIN.finditer(text))


DETECTORS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("an email address", lambda t: "@" in t and EMAIL.search(t) is not None),
    ("a phone number", lambda t: _international(t) or NANP_PHONE.search(t) is not None),
    ("a US Social Security number", lambda t: SSN.search(t) is not None),
    ("a UK National Insurance number", lambda t: NINO.search(t) is not None),
    ("a Canadian Social Insurance number", _sin),
)


_TRIGGER = re.compile(r"[0-9@]").search  # every detector needs a digit or an @


def looks_like(text: str) -> list[str]:
    """The kinds of personal data `text` seems to contain."""
    if _TRIGGER(text) is None:
        return []
    return [kind for kind, found in DETECTORS if found(text)]


class FreeText:
    """Which properties of a service's schema are free text, to scan one parsed line."""

    def __init__(self, schema: Mapping[str, Any]):
        self.defs: Mapping[str, Any] = schema.get("$defs", {}) if isinstance(schema.get("$defs"), Mapping) else {}
        self._tables: dict[tuple[int, ...], dict[str, tuple[bool, Any]]] = {}

    def _resolve(self, node: Any) -> Any:
        for _ in range(32):  # a chain of $refs, never a loop
            if not (isinstance(node, Mapping) and isinstance(node.get("$ref"), str)
                    and node["$ref"].startswith("#/$defs/")):
                return node
            node = self.defs.get(node["$ref"][len("#/$defs/"):], {})
        return node

    def _free(self, node: Any) -> bool:
        node = self._resolve(node)
        if node is True or node is None:
            return True  # declared without constraints (the envelope's names in an event) or unknown
        return isinstance(node, Mapping) and not ({"enum", "const", "format"} & set(node))

    def _table(self, schemas: list[Any]) -> dict[str, tuple[bool, Any]]:
        """property -> (free text?, its schema) for the object `schemas` describe (cached per schema list)."""
        key = tuple(id(s) for s in schemas)
        table = self._tables.get(key)
        if table is None:
            props: dict[str, Any] = {}
            for s in schemas:
                node = self._resolve(s)
                found = node.get("properties") if isinstance(node, Mapping) else None
                for name, sub in (found.items() if isinstance(found, Mapping) else ()):
                    if props.get(name) in (None, True):
                        props[name] = sub
            table = self._tables[key] = {name: (self._free(sub), sub) for name, sub in props.items()}
        return table

    def scan(self, obj: Mapping[str, Any], schemas: list[Any], path: tuple[Any, ...] = ()) -> Iterator[
            tuple[tuple[Any, ...], str]]:
        """(JSON path, kind) of every free-text string in `obj` that looks like personal data; `schemas`
        are the object schemas that apply (the envelope and the event kind's)."""
        table = self._table(schemas)
        for key, value in obj.items():
            free, sub = table.get(key, (True, None))
            if isinstance(value, str):
                if free:
                    yield from ((path + (key,), kind) for kind in looks_like(value))
            elif isinstance(value, Mapping):
                yield from self.scan(value, [sub] if sub is not None else [], path + (key,))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, str) and free:
                        yield from ((path + (key, i), kind) for kind in looks_like(item))
                    elif isinstance(item, Mapping):
                        yield from self.scan(item, [], path + (key, i))
