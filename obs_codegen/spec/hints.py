"""Did-you-mean suggestions whose total cost is bounded, so thousands of dangling references stay fast.

`difflib.get_close_matches` compares the word with every candidate; for n dangling references
into n names that is n² comparisons (6,000 of each took minutes). A `Hinter` spends at most
`budget` candidate comparisons over its lifetime (one resolver run): the first problems get a
suggestion, and once the budget is spent the rest are reported without one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sized

BUDGET = 50_000


class Hinter:
    """Closest-match suggestions under a shared budget of candidate comparisons."""

    def __init__(self, budget: int = BUDGET):
        self.budget = budget

    def close(self, word: str, candidates: Iterable[str]) -> str | None:
        """The candidate closest to `word` (difflib's cutoff), or None (none close, or the budget is spent)."""
        if isinstance(candidates, Sized) and len(candidates) > self.budget:
            return None
        pool = list(candidates)
        if len(pool) > self.budget:
            return None
        self.budget -= len(pool)
        found = difflib.get_close_matches(word, pool, n=1)
        return found[0] if found else None
