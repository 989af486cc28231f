"""What a log field's name says it carries: raw content, personal data, a credential, or a raw identifier.

Names are read as words, whatever their spelling: `eMail`, `e_mail`, `userEmail`, `user_email`
and `useremail` all contain the word `email`. A name is split at separators and case changes
(`userEmail` -> user, email), each piece that is not a word itself is split into known words
when it can be (`useremail` -> user, email; `userid` -> user, id), and every run of adjacent
pieces is compared with the word lists (`e` + `mail` -> `email`; `coach` + `notes` ->
`coachnotes`, a spec's forbidden name). Plurals count (`transcripts`, `emails`, `addresses`).

Whether a word matters depends on the field's type, because a type limits what it can hold:
  * content words (`text`, `prompt`, `transcript`, ...) and credentials (`password`, `cookie`,
    a secret header's name) only in strings;
  * personal data (`email`, `phone`, `address`, `ip`, `ssn`, a person's name) in strings, and
    the digit-shaped ones (`phone`, `ssn`) in numbers too;
  * a person's or session's identifier (`userId`, `clerk_user_id`, `sessionIdHash`) in any
    type that is not a hashed id (a hash of an identity is still one unless it is the spec's
    salted `hashed_id`);
  * booleans, enums, timestamps and nested objects (whose own fields are checked) never.
A last word that makes the field a measure (`promptTokens`, `audioMs`, `textLength`) exempts a
number only: a 100 kB string called `promptTokens` is still a prompt. A last word that makes it
a descriptor (`contentType`, `audioFormat`, `promptVersion`) exempts a string of at most 100
characters or an enum.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


def _plurals(words: Iterable[str]) -> frozenset[str]:
    out = set()
    for w in words:
        out |= {w, w + "s", w + "es"}
    return frozenset(out)


CONTENT = frozenset(("text", "transcript", "audio", "prompt", "completion", "content", "body", "utterance",
                     "speech", "recording", "voice", "chat", "conversation"))
CREDENTIALS = frozenset(("password", "passwd", "passphrase", "authorization", "cookie", "jwt", "secret", "apikey",
                         "bearer", "credential"))
PERSONAL = frozenset(("email", "mail", "phone", "address", "ip", "ssn", "birthday", "birthdate", "dob", "passport",
                      "username", "fullname", "firstname", "lastname", "displayname", "nickname", "givenname",
                      "familyname", "surname", "location", "geo", "latitude", "longitude"))
DIGIT_SHAPED = frozenset(("phone", "ssn", "birthdate", "dob", "passport"))
# People (and their devices and sessions) in any product, not only Coach Up's: a courier, a driver or a
# guest is as personal as a user. A project's own words go in `redaction.forbidden_fields`.
IDENTITY = frozenset(("user", "session", "focus", "account", "customer", "person", "member", "patient",
                      "employee", "student", "author", "owner", "subscriber", "visitor", "device", "courier",
                      "driver", "rider", "passenger", "guest", "buyer", "seller", "recipient", "sender",
                      "candidate", "applicant", "learner", "teacher", "tutor", "coach", "player",
                      "resident", "citizen", "traveler", "traveller", "shopper", "donor", "voter", "viewer"))
# Not `parent`/`child` (parentSpanId, parentJobId) nor `merchant` (a business, not a person).
ID_WORDS = frozenset(("id", "ids", "uid", "uuid", "identifier", "identifiers"))
MEASURES = frozenset(("length", "len", "size", "bytes", "chars", "characters", "count", "tokens", "ms", "seconds",
                      "sec", "duration", "words", "lines", "total", "ratio", "score"))
DESCRIPTORS = frozenset(("type", "kind", "version", "format", "language", "lang", "encoding", "mime", "codec",
                         "status", "state"))
# Other words seen in field names, so compounds split: `rawprompt` -> raw, prompt.
COMMON = frozenset(("raw", "full", "first", "last", "name", "input", "output", "request", "response", "error",
                    "message", "user", "number", "hash", "key", "value", "new", "old", "original", "final", "plain",
                    "home", "work", "mobile", "contact", "billing", "shipping", "client", "server", "source",
                    "target", "api", "access", "refresh", "auth", "session", "system", "assistant", "model", "data"))
MAX_DESCRIPTOR_LENGTH = 100

_VOCABULARY = frozenset(_plurals(CONTENT | CREDENTIALS | PERSONAL | IDENTITY | COMMON) | ID_WORDS | MEASURES
                        | DESCRIPTORS)
_PIECES = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@lru_cache(maxsize=4096)
def _split(piece: str) -> tuple[str, ...]:
    """`useremail` -> (user, email) when the piece is made of known words (of 2+ letters), else (piece,)."""
    if piece in _VOCABULARY or len(piece) > 40:
        return (piece,)
    best: list[tuple[str, ...] | None] = [()] + [None] * len(piece)
    for end in range(1, len(piece) + 1):
        for start in range(max(0, end - 16), end - 1):
            head, word, known = best[start], piece[start:end], best[end]
            if head is not None and word in _VOCABULARY and (known is None or len(head) + 1 < len(known)):
                best[end] = head + (word,)
    return best[-1] or (piece,)


def words(name: str) -> list[str]:
    """The words of a field name: `clerkUserID` -> clerk, user, id; `useremail` -> user, email."""
    return [w for piece in _PIECES.findall(name) for w in _split(piece.lower())]


def _runs(ws: list[str], longest: int = 4) -> list[str]:
    return ["".join(ws[i:j]) for i in range(len(ws)) for j in range(i + 1, min(len(ws), i + longest) + 1)]


def _singular(word: str, vocabulary: frozenset[str]) -> str:
    for cut in ("es", "s"):
        if word.endswith(cut) and word[: -len(cut)] in vocabulary:
            return word[: -len(cut)]
    return word


def raw_content_reason(name: str, field_type: str = "string", forbidden: Iterable[str] = (),
                       bounded_to: float | None = None) -> str | None:
    """Why a log field `name` of `field_type` would carry raw personal data, content, a credential or a
    raw identifier (None if it would not). `bounded_to` is the longest string the field allows, if known;
    `forbidden` are names the spec forbids in logs (the redaction list and secret header names)."""
    banned = {_norm(f) for f in forbidden if _norm(f)}
    if _norm(name) in banned:
        return "its name is on the forbidden list"
    if _norm(name) == "name":
        return "'name' means a person's name"
    if field_type in ("boolean", "enum", "datetime", "service", "object", "hashed_id"):
        return None
    ws = words(name)
    last = ws[-1] if ws else ""
    numeric = field_type in ("integer", "number")
    if numeric and last in MEASURES:
        return None
    runs = [_singular(r, CONTENT | CREDENTIALS | PERSONAL) for r in _runs(ws)]
    described = last in DESCRIPTORS and bounded_to is not None and bounded_to <= MAX_DESCRIPTOR_LENGTH
    if field_type == "string" and not described:
        hit = next((r for r in runs if r in banned or r in CONTENT or r in CREDENTIALS or r in PERSONAL), None)
        if hit is not None:
            what = "a credential" if hit in CREDENTIALS else "personal data" if hit in PERSONAL else "raw content"
            return f"'{hit}' means {what}"
    if numeric:
        hit = next((r for r in runs if r in DIGIT_SHAPED), None)
        if hit is not None:
            return f"'{hit}' is personal data, even as a number"
    who = next((i for i, w in enumerate(ws) if _singular(w, IDENTITY) in IDENTITY), None)
    if who is not None and any(w in ID_WORDS for w in ws[who + 1:]):
        return f"it is a raw identifier of a {_singular(ws[who], IDENTITY)} (use a hashed_id tag)"
    return None
