"""Stage 3: semantic lint rules, one module per rule family, all in one registry.

Privacy rules from the Coach Up seed (hashed ids only, no raw content in logs, no
secret beyond its hop, bounded label cardinality) are enforced here.
"""

from __future__ import annotations

from . import codegen, conflicts, custom, deprecations, headers, includes, logs, metrics, renames, slos, spec, targets  # noqa: F401  (each family registers its rules)
from .registry import RULES, Rule, run_rules

__all__ = ["RULES", "Rule", "run_rules"]
