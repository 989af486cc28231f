"""How templates compile: the rules `escaped` relies on, checked on each syntax tree, and a code generator that
prints a filter whose `finalize` verdict is known at compile time without the call.

`enforce` refuses `{% filter %}` blocks (they print unchecked text) and references to a template of
another file type, and rewrites each printed macro call and string literal so that `finalize` counts
it as escaped (`output_call`, the template-literal filter).

Every `{{ ... }}` compiles to `str(environment.finalize(context, <value>))`, and `finalize`
(`escaped._finalize_fn`) decides by two things only: the type of the value (an `Escaped` kind, that
is a (languages, origin) pair) and the language of the template that runs (`context.name`'s file
type). For `{{ x | f }}` where `f` is one of our escaping filters, both are known when the template
compiles:

  * the filter always returns its own kind or raises: `FILTERS[f]` returns
    `kind(languages of f, f)`, `ident`/`ident_list` the template language's own kind, and the
    template-literal filter (what `enforce` makes of a printed string literal) the
    kind valid everywhere;
  * the template that runs is the one compiled: a macro runs in the context of the template that
    defines it, an included or imported template in a context of its own name, and an extended
    parent in its child's context, which `enforce` allows only for a parent of the same file
    type (as it allows includes and imports only of the same file type).

So where the verdict is "printed as it is" (the filter's output is valid in the template's language
and needs no context mark, which `py_doc`, `comment` and the other text escapers of `escaped._TEXT_CONTEXT`
do), the compiled code yields the filter's value directly: the same text (`"".join` reads an
`Escaped` as the `str` it is), a million `finalize` calls and string copies fewer for a large spec.
Anything else keeps the call and its runtime verdict: another filter, a macro call, a conditional,
a filter made for another language (which `finalize` refuses with its message), a template of no
known language. tests/test_templating.py holds the compiled code to this, and every golden to its bytes.
"""

from __future__ import annotations

from typing import Any

from jinja2 import TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame

from . import escaped
from .escape import Language
from .escaped import _LITERAL_FILTER, _TEXT_CONTEXT, FILTERS, template_language

_OUTPUT_CALL = f"{escaped.__name__}.output_call"  # the compiled templates import it from there


def _checked_output(node: Any) -> Any:
    """Rewrite one printed expression so that macro calls and template literals count as escaped."""
    if isinstance(node, nodes.CondExpr):
        node.expr1 = _checked_output(node.expr1)
        node.expr2 = _checked_output(node.expr2 if node.expr2 is not None else nodes.Const("", lineno=node.lineno))
        return node
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return nodes.Filter(node, _LITERAL_FILTER, [], [], None, None, lineno=node.lineno)
    if isinstance(node, nodes.Call):
        return nodes.Call(nodes.ImportedName(_OUTPUT_CALL, lineno=node.lineno),
                          [nodes.ContextReference(lineno=node.lineno), node.node, *node.args],
                          node.kwargs, node.dyn_args, node.dyn_kwargs, lineno=node.lineno)
    return node


_TAGS = {nodes.Extends: "extends", nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from ... import"}


def enforce(tree: Any, name: str | None, filename: str | None) -> Any:
    """Refuse `{% filter %}` blocks and another file type's templates; prepare every printed expression for `finalize`.

    An included, imported or extended template must be named by a literal of the same file type: its
    escapers are checked against its own type (an extended parent runs in its child's context), so a
    Markdown template included in a Python one would put Markdown-escaped text in a Python file."""
    for block in tree.find_all(nodes.FilterBlock):
        raise TemplateSyntaxError("`{% filter %}` blocks print unchecked text; apply an escaping filter in `{{ }}`",
                                  block.lineno, name, filename)
    language = template_language(name)
    for ref in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        target = ref.template
        if not (isinstance(target, nodes.Const) and isinstance(target.value, str)
                and template_language(target.value) == language):
            tag = _TAGS[type(ref)]
            raise TemplateSyntaxError(f"`{{% {tag} %}}` may only name a template of this file type "
                                      f"({language or 'no language'}) by a string literal", ref.lineno, name, filename)
    for output in tree.find_all(nodes.Output):
        output.nodes = [_checked_output(n) for n in output.nodes]
    for block in tree.find_all(nodes.CallBlock):
        block.call = _checked_output(block.call)
    return tree


def printed_as_is(language: Language) -> frozenset[str]:
    """The filters whose output `finalize` prints unchanged in a template of `language`."""
    names = {name for name, (_, languages) in FILTERS.items()
             if (languages is None or language in languages) and (language, name) not in _TEXT_CONTEXT}
    return frozenset(names | {"ident", "ident_list", _LITERAL_FILTER})


def _as_is(node: nodes.Expr, names: frozenset[str]) -> bool:
    """`node` is a filter of `names`, or a conditional choosing between two such (`', ' if not loop.last else ''`)."""
    if type(node) is nodes.Filter:
        return node.name in names
    return type(node) is nodes.CondExpr and _as_is(node.expr1, names) and node.expr2 is not None \
        and _as_is(node.expr2, names)


class StaticOutput(CodeGenerator):
    """Jinja2's code generator, without the `finalize` call around a printed filter it decides (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = template_language(self.name)
        self._as_is = frozenset() if language is None else printed_as_is(language)
        self._elided: list[bool] = []

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        elide = _as_is(node, self._as_is) and not frame.eval_ctx.volatile and not frame.eval_ctx.autoescape
        self._elided.append(elide)
        if not elide:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if not self._elided.pop():
            super()._output_child_post(node, frame, finalize)
