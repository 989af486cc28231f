"""Every backend's output is byte-identical whatever the interpreter's hash seed.

`obs-codegen generate` runs in a subprocess once per PYTHONHASHSEED (set iteration order,
and so any unsorted output, changes with it); for every registered backend x seed, the
files it wrote must equal, byte for byte, what the backend renders in this process (whose
own hash seed is random), and the manifest must list exactly those files with their
hashes and the same inputs hash.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

import pytest
from conftest import run_cli, tree

from obs_codegen import __version__
from obs_codegen.backends import BACKENDS, TARGETS, backend
from obs_codegen.backends.templating import Templates
from obs_codegen.output.drift import inputs_hash
from obs_codegen.output.writer import MANIFEST, manifest_bytes
from obs_codegen.pipeline import Compiled

SEEDS = ("0", "1", "12345")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, bytes]]:
    """The tree `obs-codegen generate` writes for the Coach Up spec under PYTHONHASHSEED=seed (one run per seed)."""
    trees: dict[str, dict[str, bytes]] = {}

    def get(seed: str) -> dict[str, bytes]:
        if seed not in trees:
            out = tmp_path_factory.mktemp(f"seed-{seed}")
            result = run_cli("generate", "--out", str(out), env={"PYTHONHASHSEED": seed})
            assert result.returncode == 0, result.stderr
            trees[seed] = tree(out)
        return trees[seed]

    return get


@pytest.fixture(scope="module")
def rendered(coachup: Compiled) -> dict[str, dict[str, bytes]]:
    """Every backend's files rendered in this process: backend -> {path: bytes}."""
    assert coachup.model is not None
    return {name: {p.as_posix(): d for p, d in backend(name)(coachup.model, Templates()).items()}
            for name in sorted(BACKENDS)}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(set(BACKENDS) - TARGETS))  # targets (off here): tests/test_targets.py
def test_output_is_independent_of_hash_seed(name: str, seed: str, generated: Callable[[str], dict[str, bytes]],
                                            rendered: dict[str, dict[str, bytes]], coachup: Compiled) -> None:
    expected = rendered[name]
    assert expected, f"{name} renders nothing for the Coach Up spec"
    got = generated(seed)
    assert {p: got.get(p) for p in expected} == expected
    every = {p: d for files in rendered.values() for p, d in files.items()}
    assert set(got) == set(every) | {MANIFEST}
    source = coachup.source
    inputs = inputs_hash(source.raw, source.path, Templates())
    assert got[MANIFEST] == manifest_bytes({PurePosixPath(p): d for p, d in every.items()}, inputs, source.path,
                                           __version__)
