"""Templates cannot print a value that no escaper for their language produced: packaged and `--templates` alike.

Each case renders a one-line override template through the real `Templates` environment (the same
one `generate` uses) and expects either the escaped text or `UnescapedOutput` / a template syntax
error naming the template; the CLI tests prove a user's template directory gets the same rule and
that a refused template writes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest
from conftest import SPEC, run_cli, tree

from obs_codegen.backends import escape
from obs_codegen.backends import escaped as escaped_module
from obs_codegen.backends.escaped import Escaped, UnescapedOutput, code, escaped, template_language
from obs_codegen.backends.templating import Templates

TITLE = 'Shop """ + __import__("os").system("true") + """'
CONTEXT = {"title": TITLE, "count": 3, "flag": True, "names": ["A", "B"], "helper": lambda: "raw text",
           "safe_helper": lambda: escaped("py_str", "ok")}


def render(tmp_path: Path, name: str, source: str) -> str:
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(source, encoding="utf-8")
    return Templates(tmp_path).render(name, **CONTEXT).decode("utf-8")


@pytest.mark.parametrize(("name", "source", "expected"), [
    ("x/a.py.j2", "T = {{ title | py_str }}", "T = " + escape.py_str(TITLE)),
    ("x/a.py.j2", '"""{{ title | py_doc }}"""', '"""' + escape.py_doc(TITLE) + '"""'),
    ("x/a.py.j2", "# {{ title | comment }}", "# " + escape.py_comment(TITLE)),
    ("x/a.ts.j2", "// {{ title | comment }}", "// " + escape.ts_comment(TITLE)),
    ("x/a.ts.j2", "export const T = {{ title | json }};", "export const T = " + escape.json_value(TITLE) + ";"),
    ("x/a.py.j2", "N = {{ count | num }}; F = {{ flag | py_bool }}", "N = 3; F = True"),
    ("x/a.py.j2", "from m import {{ names | ident_list }}", "from m import A, B"),
    ("x/a.py.j2", "{{ 'Never' if flag else 'Literal' }}{{ ', x' if not flag }}", "Never"),
    ("x/a.py.j2", "{% macro m(v) %}X = {{ v | py_str }}{% endmacro %}{{ m(title) }}", "X = " + escape.py_str(TITLE)),
    ("x/a.py.j2", "{{ safe_helper() }}", "'ok'"),
    ("x/a.md.j2", "| {{ title | md }} | {{ title | md_cell_code }} |",
     f"| {escape.md(TITLE)} | {escape.md_cell_code(TITLE)} |"),
    ("x/a.toml.j2", "{{ title | toml_key }} = {{ title | toml_str }}", f"{escape.toml_key(TITLE)} = {escape.toml_str(TITLE)}"),
    ("x/a.yaml.j2", "k: {{ title | yaml_str }}  # {{ title | comment }}",
     f"k: {escape.yaml_str(TITLE)}  # {escape.yaml_comment(TITLE)}"),
])
def test_escaped_output_renders(tmp_path: Path, name: str, source: str, expected: str) -> None:
    assert render(tmp_path, name, source) == expected + "\n"


@pytest.mark.parametrize(("name", "source", "message"), [
    ("x/a.py.j2", "T = {{ title }}", "printed str"),
    ("x/a.py.j2", "N = {{ count }}", "printed int"),
    ("x/a.py.j2", "F = {{ flag }}", "printed bool"),
    ("x/a.py.j2", "T = {{ title | upper }}", "printed str"),
    ("x/a.py.j2", "T = {{ (title | py_str) ~ '' }}", "printed str"),
    ("x/a.py.j2", "T = {{ 'x' ~ title }}", "printed str"),
    ("x/a.py.j2", "T = {{ (title | py_str)[1:-1] }}", "printed str"),
    ("x/a.py.j2", "T = {{ names | join(', ') }}", "printed str"),
    ("x/a.py.j2", "T = {{ helper() }}", "printed str 'raw text'"),
    ("x/a.py.j2", "T = {{ title if flag }}", "printed str"),
    ("x/a.ts.j2", "const T = {{ title | py_str }};", "`py_str` escapes for python, not for this typescript template"),
    ("x/a.py.j2", "T = {{ title | ts_str }}", "`ts_str` escapes for typescript"),
    ("x/a.js.j2", "export const T = {{ title }};", "printed str"),
    ("x/a.js.j2", "export const T = {{ title | py_str }};", "`py_str` escapes for python"),
    ("x/a.d.ts.j2", "export declare const T: {{ title | toml_str }};", "`toml_str` escapes for toml"),
    ("x/a.json.j2", "{{ title | md }}", "`md` escapes for markdown"),
    ("x/a.md.j2", "{{ title | py_doc }}", "`py_doc` escapes for python"),
    ("x/a.txt.j2", "{{ title | py_str }}", "this file type has no escapers"),
    ("x/a.py.j2", "{{ count | py_str }}", "`py_str` expects a string"),
    ("x/a.py.j2", "{{ title | ident }}", "`ident`"),
    ("x/a.json.j2", "{{ title | comment }}", "json has no comments"),
])
def test_unescaped_output_is_refused(tmp_path: Path, name: str, source: str, message: str) -> None:
    with pytest.raises(UnescapedOutput) as err:
        render(tmp_path, name, source)
    assert message in str(err.value) and "line 1" in str(err.value), str(err.value)


def test_ident_remembers_only_what_each_language_accepted(tmp_path: Path) -> None:
    """`ident` skips the grammar check for a name it accepted before, per language: a name TypeScript allows
    (`class`, `$x`) stays refused in Python after TypeScript printed it, and a refused name is refused again."""
    templates = Templates(tmp_path)
    for name, source in (("x/a.ts.j2", "{% for n in names %}{{ n | ident }} {% endfor %}"),
                         ("x/b.py.j2", "{% for n in names %}{{ n | ident }} = 1; {% endfor %}")):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source, encoding="utf-8")
    assert templates.render("x/a.ts.j2", names=["class", "$x", "ok"] * 2).decode() == "class $x ok " * 2 + "\n"
    for bad in ("class", "$x", "not-a-name", "not-a-name"):
        with pytest.raises(UnescapedOutput, match="`ident`"):
            templates.render("x/b.py.j2", names=["ok", bad])
    assert templates.render("x/b.py.j2", names=["ok", "ok"]).decode() == "ok = 1; ok = 1; \n"
    with pytest.raises(UnescapedOutput, match="`ident`"):
        templates.render("x/a.ts.j2", names=["ok", "not-a-name"])


def test_filter_blocks_are_refused_when_the_template_loads(tmp_path: Path) -> None:
    with pytest.raises(jinja2.TemplateSyntaxError, match="filter"):
        render(tmp_path, "x/a.py.j2", "{% filter replace('a', title) %}a{% endfilter %}")


def test_the_sandbox_stops_forging_an_escaped_value(tmp_path: Path) -> None:
    with pytest.raises(jinja2.exceptions.SecurityError):
        render(tmp_path, "x/a.py.j2", "{{ (title | py_str).__class__(title, none, 'forged') }}")


@pytest.mark.parametrize("source", ["T = {{ title | template literal }}", "T = {{ title | template }}",
                                    "T = {{ title | template_literal }}"])
def test_no_template_can_name_the_template_literal_filter(tmp_path: Path, source: str) -> None:
    """Printed template literals pass through a filter that trusts its input; its name is not an identifier."""
    assert " " in escaped_module._LITERAL_FILTER
    with pytest.raises((jinja2.TemplateSyntaxError, jinja2.TemplateAssertionError)):
        render(tmp_path, "x/a.py.j2", source)


def test_backend_code_keeps_languages_apart() -> None:
    assert code("python", "(", escaped("py_str", "a"), ")") == "('a')"
    with pytest.raises(UnescapedOutput):
        code("python", escaped("ts_str", "a"))
    assert isinstance(escaped("num", 2), Escaped) and escaped("num", 2).languages is None


def test_template_languages() -> None:
    assert template_language("python/headers.py.j2") == "python"
    assert template_language("typescript/package.json.j2") == "json"
    assert template_language("typescript/headers.js.j2") == "typescript"  # JavaScript: the same escapers
    assert template_language("typescript/headers.d.ts.j2") == "typescript"
    assert template_language("catalog/observability.md.j2") == "markdown"
    assert template_language("python/py.typed.j2") is None


# --- how templates compile (template_compile) -------------------------------------------------------

def _compiled(name: str, source: str) -> str:
    env = Templates().env
    return env.compile(env.parse(source, name), name, raw=True)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("name", "source", "finalized"), [
    ("x/a.py.j2", "{{ title | py_str }} {{ names | ident_list }} {{ count | num }} {{ 'lit' }}", False),
    ("x/a.py.j2", "{{ title | ident }} = {{ (title | py_str) if flag else (title | py_opt_str) }}", False),
    ("x/a.ts.j2", "{{ title | ts_str }} {{ title | json }} {{ title | ident }}", False),
    ("x/a.md.j2", "{{ title | md }} {{ title | md_cell_code }}", False),
    ("x/a.py.j2", '"""{{ title | py_doc }}"""', True),  # marked for its context at run time
    ("x/a.py.j2", "# {{ title | comment }}", True),
    ("x/a.ts.j2", "// {{ title | ts_comment }}", True),
    ("x/a.py.j2", "{{ title | ts_str }}", True),  # another language's escaper: finalize refuses it at run time
    ("x/a.py.j2", "{{ title | md }}", True),
    ("x/a.py.j2", "{{ title }}", True),
    ("x/a.py.j2", "{{ title | upper }}", True),
    ("x/a.py.j2", "{{ helper() }}", True),
    ("x/a.py.j2", "{{ (title | py_str) if flag else title }}", True),
    ("x/a.txt.j2", "{{ title | py_str }}", True),  # no language: no verdict before run time
    (None, "{{ title | py_str }}", True),
])
def test_only_statically_decided_output_skips_finalize(name: str | None, source: str, finalized: bool) -> None:
    code = _compiled(name, source)  # type: ignore[arg-type]
    assert ("environment.finalize(" in code) is finalized, code


def test_compiling_without_the_finalize_shortcut_renders_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every backend on the Coach Up spec and every test case: the shortcut changes no byte of any output."""
    from conftest import CASE_NAMES, CASES, model_of
    from jinja2.compiler import CodeGenerator

    from obs_codegen.backends import escaped as escaped_module
    from obs_codegen.backends import render_all

    models = [model_of(SPEC), *(model_of(CASES / case / "spec.yaml") for case in CASE_NAMES)]
    monkeypatch.setenv("OBS_CODEGEN_CACHE_DIR", "")
    shortcut = [render_all(m, Templates()) for m in models]
    real = escaped_module.make_environment

    def plain(dirs: list[Path]) -> jinja2.Environment:
        env = real(dirs)
        type(env).code_generator_class = CodeGenerator
        return env

    monkeypatch.setattr(escaped_module, "make_environment", plain)
    templates = Templates()
    assert "environment.finalize(context, t_" in _compiled_with(templates, "python/metrics.py.j2")
    assert [render_all(m, templates) for m in models] == shortcut


def _compiled_with(templates: Templates, name: str) -> str:
    env = templates.env
    return env.compile(env.loader.get_source(env, name)[0], name, raw=True)  # type: ignore[no-any-return,union-attr]


@pytest.mark.parametrize(("files", "message"), [
    ({"x/a.py.j2": '{% include "x/b.md.j2" %}', "x/b.md.j2": "{{ title | md }}"}, "`{% include %}`"),
    ({"x/a.py.j2": '{% from "x/b.md.j2" import m %}{{ m() }}', "x/b.md.j2": "{% macro m() %}{{ title | md }}{% endmacro %}"},
     "`{% from ... import %}`"),
    ({"x/a.py.j2": '{% import "x/b.ts.j2" as b %}', "x/b.ts.j2": ""}, "`{% import %}`"),
    ({"x/a.py.j2": '{% extends "x/b.md.j2" %}', "x/b.md.j2": "{{ title | md }}"}, "`{% extends %}`"),
    ({"x/a.py.j2": "{% include which %}", "x/b.py.j2": ""}, "by a string literal"),
    ({"x/a.py.j2": '{% include ["x/b.py.j2"] %}', "x/b.py.j2": ""}, "by a string literal"),
])
def test_another_file_types_template_is_refused(tmp_path: Path, files: dict[str, str], message: str) -> None:
    """Each template's escapers are checked against its own type, so a Markdown template may not feed a Python file."""
    for name, source in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source, encoding="utf-8")
    with pytest.raises(jinja2.TemplateSyntaxError, match=re.escape(message)):
        Templates(tmp_path).render("x/a.py.j2", which="x/b.py.j2", **CONTEXT)


def test_a_same_type_parent_runs_with_its_childs_verdicts(tmp_path: Path) -> None:
    """An extended parent and an included template of the same type render; a parent's wrong escaper is still refused."""
    files = {"x/base.py.j2": "A = {{ title | py_str }}\n{% block b %}{% endblock %}",
             "x/a.py.j2": '{% extends "x/base.py.j2" %}{% block b %}B = {{ count | num }}\n{% include "x/c.py.j2" %}{% endblock %}',
             "x/c.py.j2": "C = {{ flag | py_bool }}\n",
             "x/bad.py.j2": "A = {{ title | ts_str }}\n{% block b %}{% endblock %}",
             "x/d.py.j2": '{% extends "x/bad.py.j2" %}'}
    for name, source in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source, encoding="utf-8")
    templates = Templates(tmp_path)
    assert templates.render("x/a.py.j2", **CONTEXT).decode() == f"A = {escape.py_str(TITLE)}\nB = 3\nC = True\n"
    with pytest.raises(UnescapedOutput, match="`ts_str` escapes for typescript"):
        templates.render("x/d.py.j2", **CONTEXT)


# --- through the CLI: a user's --templates directory ---------------------------------------------

def test_user_template_with_raw_interpolation_fails_generate_and_writes_nothing(tmp_path: Path) -> None:
    override = tmp_path / "templates" / "python"
    override.mkdir(parents=True)
    (override / "__init__.py.j2").write_text('"""{{ project.title }}"""\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("generate", "--spec", str(SPEC), "--out", str(out), "--templates", str(tmp_path / "templates"))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "template error: python/__init__.py.j2" in result.stderr and "line 1" in result.stderr
    assert "without escaping it" in result.stderr
    assert not out.exists()


def test_user_template_with_escaped_interpolation_generates(tmp_path: Path) -> None:
    override = tmp_path / "templates" / "python"
    override.mkdir(parents=True)
    (override / "__init__.py.j2").write_text('"""{{ project.title | py_doc }} (custom)"""\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("generate", "--spec", str(SPEC), "--out", str(out), "--templates", str(tmp_path / "templates"))
    assert result.returncode == 0, result.stderr
    assert tree(out)["python/coachup_obs/__init__.py"] == b'"""Coach Up (custom)"""\n'


# --- escaped text must also land in its own context (Python: tokenize; TypeScript: a lexer) --------

@pytest.mark.parametrize(("name", "source"), [
    ("x/a.py.j2", '"""{{ title | comment }}"""'),  # what the old templates did: the comment filter in a docstring
    ("x/a.py.j2", "X = 1  # {{ title | py_doc }}"),
    ("x/a.py.j2", "X = {{ title | py_doc }}"),
    ("x/a.py.j2", "X = '{{ title | py_comment }}'"),
    ("x/a.ts.j2", 'export const X = "{{ title | comment }}";'),
    ("x/a.ts.j2", "export const X = `{{ title | ts_doc }}`;"),
    ("x/a.ts.j2", "export const X = 1; {{ title | ts_comment }}"),
    ("x/a.ts.j2", "const r = /[/*]/; {{ title | ts_doc }} // */"),
    ("x/a.js.j2", 'export const X = "{{ title | comment }}";'),  # the .js and .d.ts of the TypeScript package
    ("x/a.d.ts.j2", "export declare const X: `{{ title | ts_doc }}`;"),
])
def test_text_escaped_for_another_context_is_refused(tmp_path: Path, name: str, source: str) -> None:
    with pytest.raises(UnescapedOutput, match="is not inside|does not tokenize"):
        render(tmp_path, name, source)


@pytest.mark.parametrize(("name", "source"), [
    ("x/a.py.j2", '"""{{ title | py_doc }}"""\nX = 1  # {{ title | comment }}\nY = f"{X!r}"  # {{ title | py_comment }}'),
    ("x/a.ts.j2", "/** {{ title | ts_doc }} */\nconst r = /\"'`/g; // {{ title | comment }}\n"
                  "const t = `a${ {b: `${1}`}.b }` + 'x' / 2; /* {{ title | ts_comment }} */"),
])
def test_text_in_its_own_context_renders(tmp_path: Path, name: str, source: str) -> None:
    text = render(tmp_path, name, source)
    assert not any(0xE000 <= ord(ch) <= 0xE003 for ch in text)  # the context marks are gone


@pytest.mark.parametrize(("code", "regex"), [
    ("return /'/", True), ("x = a /'/", False), ("typeof /'/", True), ("areturn /'/", False),
    ("x" * 40 + "return /'/", False), ("x" * 40 + " return /'/", True), ("f(" + "y" * 40 + ") /'/", False),
    ("instanceof /'/", True), ("xinstanceof /'/", False), ("$instanceof /'/", False), ("a = b; /'/", True),
])
def test_the_typescript_lexer_reads_a_slash_after_a_word_as_javascript_does(code: str, regex: bool) -> None:
    """A `/` opens a regex after a keyword, divides after any other word (the lexer reads only a word's tail)."""
    from obs_codegen.backends import contexts

    assert contexts._WORD_TAIL > max(map(len, contexts._REGEX_KEYWORDS))
    runs = contexts._ts_runs(code)
    assert (runs.states[runs.index(code.index("/'/") + 1)] == "regex") == regex


def test_rendered_python_must_compile(tmp_path: Path) -> None:
    with pytest.raises(UnescapedOutput, match="does not"):
        render(tmp_path, "x/a.py.j2", "X = (\n")


class _Lying:
    """An object that claims to be a class (its `__class__` is not its type)."""

    __class__ = type  # type: ignore[assignment]
    mro = "claimed"


def _generator() -> object:
    yield 1


@pytest.mark.parametrize("template", [
    "{{ d.key }}", "{{ d.items }}", "{{ d.missing }}", "{{ d.__class__ }}", "{{ d._private }}", "{{ d['key'] }}",
    "{{ s.upper }}", "{{ s.format }}", "{{ s.format('{0.__class__}', s) }}", "{{ s.missing }}", "{{ s.__class__ }}",
    "{{ f.__code__ }}", "{{ f.__globals__ }}", "{{ f.__name__ }}", "{{ cls.mro }}", "{{ cls.__subclasses__ }}",
    "{{ cls.x }}", "{{ g.gi_frame }}", "{{ g.gi_code }}", "{{ g.send }}", "{{ obj.mro }}", "{{ sub.key }}",
    "{{ sub.items }}", "{{ ns.value }}", "{{ ns.__dict__ }}", "{{ lst.append }}", "{{ lst.pop }}",
])
def test_fast_sandbox_gives_the_sandbox_verdicts(template: str) -> None:
    """`FastSandbox` (the environment's base) reads attributes exactly as Jinja2's `SandboxedEnvironment` does."""
    from types import SimpleNamespace

    from jinja2.sandbox import SandboxedEnvironment

    from obs_codegen.backends.sandbox import FastSandbox

    class Sub(dict):  # type: ignore[type-arg]
        pass

    class Cls:
        x = 1

    context = {"d": {"key": "v", "items": "shadowed", "_private": 1, "__class__": 2}, "s": "text", "f": _generator,
               "cls": Cls, "g": _generator(), "obj": _Lying(), "sub": Sub(key="v"), "ns": SimpleNamespace(value=3),
               "lst": [1]}

    def outcome(env: jinja2.Environment) -> str:
        try:
            text = env.from_string(template).render(**context)
        except Exception as exc:  # the verdict includes the kind of failure
            text = f"{type(exc).__name__}: {exc}"
        return re.sub(r" at 0x[0-9a-f]+", "", text)  # a wrapper made per read has its own address

    fast = FastSandbox(undefined=jinja2.StrictUndefined)
    expected = outcome(SandboxedEnvironment(undefined=jinja2.StrictUndefined))
    assert outcome(fast) == expected
    assert outcome(fast) == expected  # and again, from the cache
    assert outcome(FastSandbox()) == outcome(SandboxedEnvironment())  # the lenient Undefined alike


def _stops() -> object:
    raise StopIteration


def _marked() -> str:
    return "marked"


_marked.alters_data = True  # type: ignore[attr-defined]


@pytest.mark.parametrize("template", [
    "{{ plain(1) }}", "{{ plain(1, b=2) }}", "{% for i in [1, 2] %}{{ plain(i) }}{% endfor %}",
    "{% for i in [1] %}{% set v = i %}{{ with_context(v) }}{% endfor %}", "{{ with_context(3) }}",
    "{{ marked() }}", "{{ unsafe() }}", "{{ stops() }}", "{{ stops() is defined }}", "{{ env_fn() }}",
    "{% macro m(x) %}[{{ x }}]{% endmacro %}{% for i in [1] %}{{ m(i) }}{% endfor %}", "{{ lam() }}",
    "{{ plain() }}", "{{ builtin([3, 1]) }}", "{{ callable_obj(2) }}", "{{ wrapped(5) }}",
])
def test_fast_sandbox_calls_as_the_sandbox_does(template: str) -> None:
    """`FastSandbox.call` returns, passes and refuses exactly what `SandboxedEnvironment.call` does."""
    import functools

    from jinja2.sandbox import SandboxedEnvironment, unsafe

    from obs_codegen.backends.sandbox import FastSandbox

    def plain(a: object, b: object = 0) -> str:
        return f"{a}+{b}"

    @jinja2.pass_context
    def with_context(context: jinja2.runtime.Context, x: object) -> str:
        return f"{x}:{context.get('v', '-')}"

    @jinja2.pass_environment
    def env_fn(environment: jinja2.Environment) -> str:
        return type(environment).__mro__[-2].__name__

    class Callable:
        def __call__(self, x: int) -> int:
            return x * 2

    context = {"plain": plain, "with_context": with_context, "marked": _marked, "unsafe": unsafe(lambda: "u"),
               "stops": _stops, "env_fn": env_fn, "lam": lambda: "l", "builtin": sorted, "callable_obj": Callable(),
               "wrapped": functools.wraps(plain)(lambda x: x)}

    def outcome(env: jinja2.Environment) -> str:
        try:
            return env.from_string(template).render(**context)
        except Exception as exc:
            return re.sub(r" at 0x[0-9a-f]+", "", f"{type(exc).__name__}: {exc}")

    for undefined in (jinja2.StrictUndefined, jinja2.Undefined):
        assert outcome(FastSandbox(undefined=undefined)) == outcome(SandboxedEnvironment(undefined=undefined))


def test_escaped_pieces_pickle_and_copy_as_their_kind() -> None:
    """Each (languages, origin) pair is a class of its own, with no instance dictionary."""
    import copy
    import pickle

    piece = escaped("py_str", "a'b")
    assert not hasattr(piece, "__dict__") and type(piece) is not Escaped and isinstance(piece, Escaped)
    for again in (pickle.loads(pickle.dumps(piece)), copy.copy(piece), copy.deepcopy(piece)):
        assert again == piece and isinstance(again, Escaped)
        assert (again.languages, again.origin) == (frozenset({"python"}), "py_str")
