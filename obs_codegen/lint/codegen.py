"""Lint rules for generated code: identifiers valid, unreserved and unique; portable patterns."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..spec.loader import Source
from ..spec.model import Model
from .registry import _stage, rule

# --- generated code -----------------------------------------------------------------------

@rule("codegen-identifier-collision",
      "Two spec names derive the same identifier in the generated TypeScript or Python code.")
def _codegen_names(model: Model, src: Source) -> Iterator[Diagnostic]:
    """Derive the code backends' identifiers and portable patterns; any CodegenError is a finding.

    The backends raise the same errors at render time; checking here turns them into
    diagnostics with positions before anything is rendered.
    """
    from ..backends import python_pkg, typescript
    from ..backends.identifiers import CodegenError

    seen: set[tuple[str, object, tuple[str, ...]]] = set()
    for backend in (typescript, python_pkg):
        try:
            backend.code_view(model)
        except CodegenError as exc:
            if (exc.rule, exc.pos, exc.path) in seen:  # the same defect seen by the other language
                continue
            seen.add((exc.rule, exc.pos, exc.path))
            if exc.path:  # at the offending value; a package name left to its default derives from project.name
                yield src.diag(exc.path if exc.path in src.values else ("project", "name"), exc.rule, exc.message)
                continue
            pos = exc.pos
            yield Diagnostic(pos.file if pos else src.path, pos.line if pos else 1, pos.column if pos else 1,
                             exc.rule, "error", exc.message)


_stage("codegen-identifier-invalid", "A spec name does not derive a valid identifier in generated code.")
_stage("codegen-identifier-reserved", "A spec name derives a reserved word of TypeScript or Python.")
_stage("codegen-package-name", "A package name is not valid for Python or npm, or shadows a module it must not.")
_stage("codegen-pattern-portability", "A value pattern means different things in JavaScript and Python regexes.")
