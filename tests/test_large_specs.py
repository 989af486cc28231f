"""Large-but-legal specs (issue 18) get an answer: they finish, or are refused by a named limit.

The inputs come from tests/large_specs.py (deterministic). Each runs through the real CLI with the
harness's subprocess timeout, so a hang fails the test; nothing here measures time. What made
them hang was quadratic work (a did-you-mean over every name for every dangling reference, a
scan of all metrics per service) and PyYAML's pure-Python scanner on a 1.9 MB flow list.
"""

from __future__ import annotations

import difflib
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import run_cli
from large_specs import CASES

from obs_codegen.spec import loader
from obs_codegen.spec.hints import Hinter

# case -> (command, expected exit code, a line that must be in stderr). The other cases in large_specs.py
# (flow mappings, 20k tags, 6k-20k metrics) take the same code paths; they stay out of the suite for speed.
EXPECTED = {
    "flow-list-values": ("lint", 0, "is clean"),
    "flow-list-numbers": ("lint", 1, f"error[spec-too-large]: spec has more than {loader.MAX_NODES} YAML nodes"),
    "dangling-refs-6k": ("lint", 1, "12000 error(s)"),
    "unknown-keys-20k": ("lint", 1, "20000 error(s)"),
    "services-20k": ("generate", 0, "files in out/"),
}


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    work = tmp_path_factory.mktemp("large")
    for name in EXPECTED:
        (work / f"{name}.yaml").write_text(CASES[name](), encoding="utf-8")

    def answer(name: str) -> object:
        command = EXPECTED[name][0]
        return run_cli(command, "--spec", f"{name}.yaml", cwd=work)  # raises TimeoutExpired on a hang

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(EXPECTED, pool.map(answer, EXPECTED)))


@pytest.mark.parametrize("name", list(EXPECTED))
def test_large_spec_gets_an_answer(answers: dict[str, object], name: str) -> None:
    _, code, line = EXPECTED[name]
    r = answers[name]
    assert r.returncode == code, r.stderr[-2000:]  # type: ignore[attr-defined]
    assert line in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]  # type: ignore[attr-defined]


def test_the_flow_list_is_legal_and_near_the_size_limit() -> None:
    size = len(CASES["flow-list-values"]().encode())
    assert 1_800_000 < size <= loader.MAX_SPEC_BYTES


def test_dangling_references_keep_their_hints_until_the_budget_is_spent(answers: dict[str, object]) -> None:
    lines = [x for x in answers["dangling-refs-6k"].stderr.splitlines() if "ref-unknown-service" in x]  # type: ignore[attr-defined]
    assert len(lines) == 6000
    assert "did you mean 's00000'?" in lines[0]
    assert "did you mean" not in lines[-1]  # 6000 x 6000 comparisons would take minutes


def test_hinter_spends_at_most_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    compared = [0]
    real = difflib.get_close_matches

    def counting(word: str, pool: list[str], n: int = 3) -> list[str]:
        compared[0] += len(pool)
        return real(word, pool, n=n)

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    hinter = Hinter(budget=10_000)
    names = [f"name{i:05d}" for i in range(3_000)]
    hints = [hinter.close(f"nmae{i:05d}", names) for i in range(100)]
    assert compared[0] <= 10_000 and hints[0] == "name00000" and hints[-1] is None
    assert Hinter().close("descripton", ["description", "title"]) == "description"
