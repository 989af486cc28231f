"""Strict loading: every malformed input is a positioned diagnostic with a stable rule id, never a traceback."""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from obs_codegen.diagnostics import Diagnostic
from obs_codegen.lint import RULES
from obs_codegen.pipeline import compile_spec
from obs_codegen.spec import loader

ROOT = Path(__file__).resolve().parent.parent
COACHUP = ROOT / "spec" / "observability.yaml"

HEAD = """\
version: 1
project: {name: shop, metric_prefix: shop, environments: [prod, dev]}
services:
  api: {description: The API.}
"""


def lint_bytes(tmp_path: Path, data: bytes | str, name: str = "spec.yaml") -> list[Diagnostic]:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return compile_spec(path, name).diagnostics


def where(diags: list[Diagnostic]) -> list[tuple[int, int, str]]:
    return [(d.line, d.column, d.rule) for d in diags]


def test_the_head_used_below_is_clean(tmp_path: Path) -> None:
    assert lint_bytes(tmp_path, HEAD) == []


def test_misspelt_key_gets_a_did_you_mean_at_the_key(tmp_path: Path) -> None:
    diags = lint_bytes(tmp_path, HEAD + "  web:\n    title: Web\n    descripton: The web app.\n")
    assert where(diags) == [(5, 3, "spec-missing-key"), (7, 5, "spec-unknown-key")]
    assert diags[1].message == "unknown key 'descripton' in services.web; did you mean 'description'?"
    far = lint_bytes(tmp_path, HEAD + "owner: team-a\n")
    assert where(far) == [(5, 1, "spec-unknown-key")] and "expected one of: accepted_breaks, alerts, " in far[0].message


def test_misspelt_enum_value_gets_a_did_you_mean_at_the_value(tmp_path: Path) -> None:
    diags = lint_bytes(tmp_path, HEAD + "tags:\n  route: {type: enun, values: [a], description: Route.}\n")
    assert [(d.line, d.column, d.rule) for d in diags if d.rule == "spec-enum"] == [(6, 17, "spec-enum")]
    assert "did you mean 'enum'?" in diags[0].message


@pytest.mark.parametrize(("snippet", "token", "what"), [
    ("services: [api]\n", "[api]", "is not of type 'object'"),
    ("project: {name: shop, metric_prefix: shop, environments: [prod], series_budget: lots}\n", "lots",
     "is not of type 'integer'"),
    ("project: {name: shop, metric_prefix: 7, environments: [prod]}\n", "7", "is not of type 'string'"),
])
def test_wrong_types_are_reported_at_the_value(tmp_path: Path, snippet: str, token: str, what: str) -> None:
    text = "version: 1\n" + snippet + ("services:\n  api: {description: The API.}\n" if "services" not in snippet
                                      else "project: {name: shop, metric_prefix: shop, environments: [prod]}\n")
    diags = [d for d in lint_bytes(tmp_path, text) if d.rule == "spec-type"]
    assert [(d.line, d.column) for d in diags] == [(2, snippet.index(token) + 1)] and what in diags[0].message


def test_duplicate_key_points_at_the_second_and_names_the_first(tmp_path: Path) -> None:
    diags = lint_bytes(tmp_path, HEAD + "  web: {description: Web.}\n  web: {description: Web again.}\n")
    assert where(diags) == [(6, 3, "spec-duplicate-key")]
    assert diags[0].message == "duplicate key 'web' (first defined at line 5, column 3)"


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    levels = ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    text = HEAD + "bucket_sets:\n" + "".join(f"  {line}\n" for line in levels)
    start = time.perf_counter()
    diags = lint_bytes(tmp_path, text)
    elapsed = time.perf_counter() - start
    assert [d.rule for d in diags] == ["spec-yaml-aliases"] and "200000 nodes" in diags[0].message
    assert elapsed < 0.5, f"took {elapsed:.2f}s"


def test_many_aliases_and_a_self_referencing_alias_are_refused(tmp_path: Path) -> None:
    many = HEAD + "x: &x 1\ny: [" + ", ".join(["*x"] * (loader.MAX_ALIASES + 1)) + "]\n"
    assert [d.rule for d in lint_bytes(tmp_path, many)] == ["spec-yaml-aliases"]
    ok = HEAD + "bucket_sets:\n  a: &a [1, 2]\n  b: *a\n"
    assert lint_bytes(tmp_path, ok) == []  # a few aliases are fine
    loop = lint_bytes(tmp_path, HEAD + "tag_sets:\n  loop: &loop [*loop]\n")
    assert where(loop) == [(6, 9, "spec-yaml-aliases")]


def test_deep_nesting_is_refused_without_recursion_errors(tmp_path: Path) -> None:
    for depth in (100, 5000):
        diags = lint_bytes(tmp_path, HEAD + "x: " + "[" * depth + "]" * depth + "\n")
        assert [d.rule for d in diags] == ["spec-yaml"] and "nested more than" in diags[0].message


def test_aliases_cannot_nest_deeper_than_the_text(tmp_path: Path) -> None:
    chain = [f"a{i}: &a{i} " + "[" * 40 + (f"*a{i - 1}" if i else "1") + "]" * 40 for i in range(30)]
    diags = lint_bytes(tmp_path, HEAD + "\n".join(chain) + "\n")
    assert [d.rule for d in diags] == ["spec-yaml-aliases"] and "levels deep" in diags[0].message


def test_size_limit(tmp_path: Path) -> None:
    at_limit = HEAD.encode() + b"#" * (loader.MAX_SPEC_BYTES - len(HEAD) - 1) + b"\n"
    assert len(at_limit) == loader.MAX_SPEC_BYTES and lint_bytes(tmp_path, at_limit) == []
    over = at_limit + b"\n"
    diags = lint_bytes(tmp_path, over)
    assert where(diags) == [(1, 1, "spec-too-large")] and str(loader.MAX_SPEC_BYTES) in diags[0].message


@pytest.mark.parametrize(("data", "line", "column"), [
    (HEAD.encode() + b"  web: {description: caf\xe9}\n", 5, 25),
    (HEAD.encode() + "  web: {description: \u00e9t\u00e9 ".encode() + b"\xff}\n", 5, 26),  # columns count characters
    (b"\xff\xfev\x00e\x00", 1, 1),  # UTF-16
])
def test_non_utf8_is_reported_at_the_bad_byte(tmp_path: Path, data: bytes, line: int, column: int) -> None:
    diags = lint_bytes(tmp_path, data)
    assert where(diags) == [(line, column, "spec-encoding")]


def test_tab_indentation_is_a_yaml_error_at_the_tab(tmp_path: Path) -> None:
    diags = lint_bytes(tmp_path, HEAD + "tags:\n\tenv: {type: environment, description: Env.}\n")
    assert where(diags) == [(6, 1, "spec-yaml")] and "'\\t'" in diags[0].message


@pytest.mark.parametrize("text", ["", "\n\n   \n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert where(lint_bytes(tmp_path, text)) == [(1, 1, "spec-empty")]


@pytest.mark.parametrize(("text", "rule"), [
    ("- version: 1\n- project: {}\n", "spec-type"),
    ("just a string\n", "spec-type"),
    ("---\n", "spec-type"),
    (HEAD + "---\n" + HEAD, "spec-yaml"),  # two documents
    (HEAD + "tags: {a: [}\n", "spec-yaml"),
])
def test_not_a_mapping_or_not_one_document(tmp_path: Path, text: str, rule: str) -> None:
    diags = lint_bytes(tmp_path, text)
    assert [d.rule for d in diags] == [rule]


def test_merge_keys_are_refused_at_the_merge_key(tmp_path: Path) -> None:
    text = HEAD + ("tags:\n  a: &a {type: enum, values: [x], description: A.}\n"
                   "  b:\n    type: enum\n    <<: *a\n    values: [y]\n    description: B.\n")
    result = compile_spec(_write(tmp_path, text), "spec.yaml")
    assert where(result.diagnostics) == [(9, 5, "spec-yaml")] and "merge keys" in result.diagnostics[0].message
    assert result.model is not None and [t.values for t in result.model.tags] == [("x",), ("y",)]


def test_yaml_11_boolean_words_as_keys_stay_strings(tmp_path: Path) -> None:
    text = HEAD + ("tags:\n  on: {type: enum, values: [a], description: On.}\n"
                   "  yes: {type: enum, values: [b], description: Yes.}\n  no: {type: enum, values: ['off'], description: No.}\n")
    result = compile_spec(_write(tmp_path, text), "spec.yaml")
    assert result.diagnostics == []
    assert [t.name for t in result.model.tags] == ["on", "yes", "no"]
    assert result.model.tags[2].values == ("off",)
    # As values they are YAML 1.1 booleans: the schema says so instead of silently stringifying them.
    line = "  sw: {type: enum, values: [on, off], description: S.}"
    unquoted = lint_bytes(tmp_path, HEAD + "tags:\n" + line + "\n")
    assert where(unquoted) == [(6, line.index("on,") + 1, "spec-type"), (6, line.index("off") + 1, "spec-type")]


def test_bom_and_crlf_do_not_move_positions(tmp_path: Path) -> None:
    bad = HEAD + "  web: {descripton: Web.}\n"
    plain = where(lint_bytes(tmp_path, bad))
    assert plain == [(5, 3, "spec-missing-key"), (5, 9, "spec-unknown-key")]
    assert where(lint_bytes(tmp_path, b"\xef\xbb\xbf" + bad.encode())) == plain
    assert where(lint_bytes(tmp_path, bad.replace("\n", "\r\n"))) == plain
    assert lint_bytes(tmp_path, b"\xef\xbb\xbf" + HEAD.encode()) == []


@pytest.mark.parametrize(("value", "column"), [("!!int abc", 22), ("!!float x", 22), ("!!bool maybe", 22),
                                               ("!!python/object:os.system x", 22), ("!!int 0x", 22)])
def test_values_their_tag_cannot_hold(tmp_path: Path, value: str, column: int) -> None:
    diags = lint_bytes(tmp_path, HEAD + f"  web: {{description: {value}}}\n")
    assert [(d.line, d.column, d.rule) for d in diags if d.rule == "spec-yaml"] == [(5, column, "spec-yaml")]
    assert all(d.rule in RULES for d in diags)


def test_control_characters_are_reported_where_they_are(tmp_path: Path) -> None:
    diags = lint_bytes(tmp_path, HEAD + "  web: {description: a\x00b}\n")
    assert where(diags) == [(5, 23, "spec-yaml")] and "#x0000" in diags[0].message


def test_unreadable_path_raises_oserror_for_the_cli_to_report(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        compile_spec(tmp_path / "missing.yaml")
    with pytest.raises(OSError, match="not a regular file \\(a directory\\)"):
        compile_spec(tmp_path)


@pytest.mark.parametrize(("make", "message"), [
    ("fifo", "not a regular file (a FIFO (named pipe))"),  # opening it would block until a writer came
    ("dev-zero", "not a regular file (a character device)"),  # reading it would never end
    ("loop", "Too many levels of symbolic links"),
])
def test_special_files_are_refused_before_they_are_read(tmp_path: Path, make: str, message: str) -> None:
    path = tmp_path / "spec.yaml"
    if make == "fifo":
        os.mkfifo(path)
    elif make == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.symlink_to(tmp_path / "other.yaml")
        (tmp_path / "other.yaml").symlink_to(path)
    with pytest.raises(OSError) as caught:
        compile_spec(path, "spec.yaml")
    assert message in str(caught.value)


def test_a_huge_spec_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    with open(path, "wb") as f:
        f.write(HEAD.encode())
        f.truncate(64 * 1024**3)  # a sparse 64 GiB file: reading it whole would exhaust memory
    diags = compile_spec(path, "spec.yaml").diagnostics
    assert where(diags) == [(1, 1, "spec-too-large")]
    assert diags[0].message == f"spec is {64 * 1024**3} bytes; the limit is {loader.MAX_SPEC_BYTES}"


def test_node_limit_is_enforced_while_composing(tmp_path: Path) -> None:
    items = ", ".join(str(i) for i in range(loader.MAX_NODES + 10))
    diags = lint_bytes(tmp_path, HEAD + "bucket_sets:\n  b: [" + items + "]\n")
    assert [d.rule for d in diags] == ["spec-too-large"]
    assert diags[0].message == f"spec has more than {loader.MAX_NODES} YAML nodes; the limit is {loader.MAX_NODES}"
    assert diags[0].line == 6 and diags[0].column > 1_000_000  # where the limit was crossed, not the end


def _parsed(text: str, fast: bool) -> tuple[object, dict[object, object], dict[object, object], list[Diagnostic]]:
    src = loader.Source("spec.yaml", text.encode("utf-8", "surrogatepass"))
    diags = loader.parse_text(src, text, fast=fast)
    return src.data, src.values, src.keys, diags


def test_libyaml_and_pyyaml_give_identical_results(tmp_path: Path) -> None:
    """The fast path (libyaml scanner) must change nothing: same data, positions and diagnostics as PyYAML."""
    assert loader._libyaml_loader() is not None, "PyYAML without libyaml: the large-spec speed-up is not active"
    texts = [COACHUP.read_text(encoding="utf-8")]
    for path in sorted((ROOT / "tests").glob("rules/*.yaml")) + sorted((ROOT / "tests").glob("cases/*/spec.yaml")):
        try:
            texts.append(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            continue
    texts += _mutants(texts[0], 20, seed=18)
    texts += [HEAD + 'x: "\\ud83d"\n', HEAD + "x: [a, b\n", HEAD + "x: &a [*a]\n", HEAD + "\tx: 1\n"]
    differing = [i for i, t in enumerate(texts) if _parsed(t, True) != _parsed(t, False)]
    assert differing == []


def _composed(text: str, stream: bool, monkeypatch: pytest.MonkeyPatch,
              limits: loader.Limits = loader.DEFAULT_LIMITS) -> tuple[object, ...]:
    """What parse_text gives, in order (data, positions and keys as item lists), with or without the one-pass stream."""
    from obs_codegen.spec import stream as stream_module

    took: list[bool] = []

    def spy(*args: object) -> bool:
        took.append(stream and stream_module.streamed(*args))  # type: ignore[arg-type]
        return took[-1]

    monkeypatch.setattr(loader, "streamed", spy)
    src = loader.Source("spec.yaml", text.encode("utf-8", "surrogatepass"))
    diags = loader.parse_text(src, text, limits=limits)
    return src.data, list(src.values.items()), list(src.keys.items()), diags, took == [True]


_YAML_TRAPS = ["&a ", "*a", "!!int ", "!!str ", "! ", "<<: {x: 1}\n", "? ", "--- \n", "...\n", "\x85", "\u2028",
               "\x07", "\t", "'", '"', "~", "null", "yes", "0x1F", "1e3", ".inf", "2001-12-14", "=", "- ", ": ", "#"]


def test_the_one_pass_stream_gives_what_the_composer_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """spec/stream.py builds the composer's data, positions and keys, in the same order, or leaves the text to
    the composer: on every spec the tests hold, a synthetic one, and mutants with YAML's traps put anywhere."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("synth_spec", ROOT / "scripts" / "synth_spec.py")
    assert spec and spec.loader
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    texts = [COACHUP.read_text(encoding="utf-8"), synth.generate(300)]
    for path in sorted((ROOT / "tests").glob("rules/*.yaml")) + sorted((ROOT / "tests").glob("cases/*/spec.yaml")):
        try:
            texts.append(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            continue
    rnd = random.Random(5)
    for _ in range(120):
        chars = texts[0]
        for _ in range(rnd.randint(1, 3)):
            at = rnd.randrange(len(chars))
            chars = chars[:at] + rnd.choice(_YAML_TRAPS) + chars[at:]
        texts.append(chars)
    texts += _mutants(texts[0], 20, seed=3)
    texts += [HEAD + "a: 2001-1-4\t1:59:43\n", HEAD + 'a: ! "2001-12-14\\n"\n', HEAD + 'a: ! "2001-12-14 1:02:03\\n"\n',
              HEAD + "a: 2001-12-14\n", HEAD + "a: !!timestamp 2001-12-14\n"]  # timestamps keep their text, checked
    streamed = 0
    for text in texts:
        fast, slow = _composed(text, True, monkeypatch), _composed(text, False, monkeypatch)
        assert fast[:4] == slow[:4], text[:200]
        streamed += fast[4]
        if fast[4]:
            assert not slow[3] or all(d.rule not in ("spec-yaml", "spec-duplicate-key", "spec-control-character",
                                                     "spec-yaml-aliases", "spec-too-large") for d in slow[3])
    assert 30 < streamed < len(texts) - 50  # both paths, often
    for text in texts[:3]:  # node limits around the spec's own count (keys count, as the composer counts them)
        composed = len(_composed(text, False, monkeypatch)[1]) + len(_composed(text, False, monkeypatch)[2])
        for nodes in (composed - 1, composed, composed + 1, len(_composed(text, False, monkeypatch)[1])):
            limits = loader.Limits(nodes=nodes)
            assert _composed(text, True, monkeypatch, limits)[:4] == _composed(text, False, monkeypatch, limits)[:4]


@pytest.mark.parametrize("snippet", [
    "tag_sets: {s: [{a: 1}]}\n",
    "tags: {a: {type: enum, values: 5, description: A.}}\n",
    "slos: {s: {service: [api], description: d, objective: 99, ratio: {errors: [a], total: {b: 1}}}}\n",
    "metrics: {api.a.b: {type: counter, unit: x, tags: [[env]], description: d}}\n",
    "headers: {x-a: {group: sse, description: d, format: enum, tag: [t], hops: [[h]]}}\n",
    "hops: {a-b: {description: d, from: [api], to: {x: 1}}}\n",
    "alerts: {A: {service: api, severity: page, description: d, for: 5m, above_budget: [b], ratio: 3}}\n",
    "logs: {envelope: {f: {tag: [t], description: d}, g: {object: {o: 1}, description: d}}, events: {}}\n",
    "project: {name: shop, metric_prefix: shop, environments: prod}\nredaction: {forbidden_fields: text}\n",
])
def test_references_of_the_wrong_type_do_not_crash_the_resolver(tmp_path: Path, snippet: str) -> None:
    text = HEAD + snippet if not snippet.startswith("project") else HEAD.replace(HEAD.splitlines()[1] + "\n", snippet)
    diags = lint_bytes(tmp_path, text)
    assert diags and all(d.rule in RULES for d in diags)
    assert any(d.rule.startswith("spec-") for d in diags)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _mutants(text: str, n: int, seed: int = 20240611) -> list[str]:
    rnd = random.Random(seed)
    lines = text.splitlines(keepends=True)
    out = []
    for i in range(n):
        if i % 2 == 0:  # delete 1-3 random lines
            kept = list(lines)
            for _ in range(rnd.randint(1, 3)):
                del kept[rnd.randrange(len(kept))]
            out.append("".join(kept))
        else:  # swap, duplicate or replace characters
            chars = list(text)
            for _ in range(rnd.randint(1, 4)):
                j = rnd.randrange(len(chars) - 1)
                op = rnd.randrange(3)
                if op == 0:
                    chars[j], chars[j + 1] = chars[j + 1], chars[j]
                elif op == 1:
                    chars.insert(j, chars[j])
                else:
                    chars[j] = rnd.choice(":-[]{}&*!|>'\"#\t ,\n0aZ")
            out.append("".join(chars))
    return out


def _compile_mutant(job: tuple[int, str, str]) -> tuple[int, list[Diagnostic]]:
    i, mutant, folder = job
    path = Path(folder) / f"spec-{i}.yaml"
    path.write_text(mutant, encoding="utf-8")
    return i, compile_spec(path, "spec.yaml").diagnostics  # must not raise (a raise fails the test)


def test_fuzzed_coachup_specs_never_raise(tmp_path: Path) -> None:
    mutants = _mutants(COACHUP.read_text(encoding="utf-8"), 200)
    jobs = [(i, m, str(tmp_path)) for i, m in enumerate(mutants)]
    # YAML parsing dominates (~50 ms a spec): two processes keep the test near 5 s.
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_compile_mutant, jobs, chunksize=10))
    findings = 0
    for i, diags in results:
        for d in diags:
            assert d.line >= 1 and d.column >= 1 and d.rule in RULES and d.message, (i, d)
            assert d.line <= mutants[i].count("\n") + 1, (i, d)
        findings += bool(diags)
    assert len(results) == 200 and findings > 100  # the mutations do break things: the loop is not vacuous


def test_first_forbidden_searches_what_forbidden_refuses() -> None:
    """The loader's C search for a forbidden character agrees with `controls.forbidden` on every code point."""
    import sys

    from obs_codegen.spec import controls

    for free_text in (True, False):
        for code in range(sys.maxunicode + 1):
            ch = chr(code)
            expected = 2 if controls.forbidden(ch, free_text) else None
            assert controls.first_forbidden(f"ab{ch}", free_text) == expected, (hex(code), free_text)
        assert controls.first_forbidden("", free_text) is None
        assert controls.first_forbidden("a\x00b\x01", free_text) == 1


def test_free_text_refuses_a_subset_of_what_a_line_refuses() -> None:
    """The loader skips the free-text test (`is_free_text`) for a value no line of text would refuse."""
    import sys

    from obs_codegen.spec import controls

    looser = [code for code in range(sys.maxunicode + 1) if controls.forbidden(chr(code), True)
              and not controls.forbidden(chr(code), False)]
    assert looser == []
    assert not controls.forbidden("\n", True) and controls.forbidden("\n", False)  # the subset is a strict one
