"""`next build` of a minimal App Router app that depends on the generated TypeScript package as the README says.

`tests/nextjs_app/` is the app: a route handler using `hashId` and `sanitizeHeaders` (Node.js runtime) and a
client component using metric and log constants, with `"@coachup/obs": "file:../../out/typescript"` in its
package.json and no next.config at all (no `transpilePackages`, no `resolve.extensionAlias`, no Turbopack rule).
Its pinned dependencies (next, react, react-dom, typescript, @types/*) come from its own package-lock.json,
installed once with `npm ci` into `.cache/nextjs/` (ignored; at the same depth as the app, so the `file:`
path reaches the same `out/typescript`) and reinstalled only when the lock changes. The app is built with
webpack and with Turbopack; each build must compile and type-check, list the route handler as dynamic,
and ship no `node:crypto` code (`hashId`) to the browser while the client chunks carry the metric names.
The README's snippets are the app's files, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, run

APP = ROOT / "tests" / "nextjs_app"
CACHE = ROOT / ".cache" / "nextjs"
SOURCES = ("package.json", "package-lock.json", "tsconfig.json", "app")
README_FILES = ("app/api/chat/route.ts", "app/vitals.tsx")

pytestmark = pytest.mark.xdist_group("nextjs")


@pytest.fixture(scope="module")
def app() -> Path:
    """The app's sources in `.cache/nextjs`, its locked dependencies installed there (once per lock)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        target = CACHE / name
        if target.is_dir():
            shutil.rmtree(target)
        (shutil.copytree if (APP / name).is_dir() else shutil.copyfile)(APP / name, target)
    lock = hashlib.sha256((APP / "package.json").read_bytes() + (APP / "package-lock.json").read_bytes()).hexdigest()
    stamp = CACHE / "node_modules" / ".obs-codegen-lock"
    if not stamp.exists() or stamp.read_text() != lock:
        ci = run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], CACHE, timeout=900)
        assert ci.returncode == 0, ci.stdout[-2000:] + ci.stderr[-3000:]
        stamp.write_text(lock)
    linked = CACHE / "node_modules" / "@coachup" / "obs"
    assert linked.resolve() == (ROOT / "out" / "typescript").resolve(), linked.resolve()
    return CACHE


def next_build(app: Path, bundler: str) -> tuple[int, str]:
    """`next build --<bundler>` in its own process group, which is ended afterwards: a worker that outlives the
    build would otherwise keep writing into `.next` and hold `.next/lock` for the next build."""
    with subprocess.Popen([str(app / "node_modules" / ".bin" / "next"), "build", f"--{bundler}"], cwd=app,
                          env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "CI": "1"}, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True) as build:
        try:
            output, _ = build.communicate(timeout=900)
        finally:
            try:
                os.killpg(build.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return build.returncode, output


@pytest.mark.parametrize("bundler", ["webpack", "turbopack"])
def test_next_build(app: Path, bundler: str) -> None:
    if (app / ".next").exists():
        shutil.rmtree(app / ".next")
    tsconfig = (app / "tsconfig.json").read_text()
    code, output = next_build(app, bundler)
    assert code == 0, output[-6000:]
    assert f"({'Turbopack' if bundler == 'turbopack' else 'webpack'})" in output, output[:500]
    assert re.search(r"ƒ /api/chat\b", output), output[-3000:]  # the route handler, server-rendered on demand
    assert "Running TypeScript" in output  # Next type-checked the app against the .d.ts
    assert (app / "tsconfig.json").read_text() == tsconfig, "next build had to change tsconfig.json"
    chunks = {p: p.read_text(errors="replace") for p in (app / ".next" / "static").rglob("*.js")}
    assert chunks
    assert any('"coachup_web_vitals_lcp_ms"' in text for text in chunks.values())  # the client component's promName
    leaked = [p.name for p, text in chunks.items() if "createHmac" in text or "hashId: " in text]
    assert not leaked, f"node:crypto code in browser chunks: {leaked}"
    server = [p for p in (app / ".next" / "server").rglob("*.js") if "createHmac" in p.read_text(errors="replace")]
    assert server, "control: the route handler's server bundle carries hashId, so the search above can find it"


def fences(text: str) -> list[tuple[str, str]]:
    """Every fenced code block of a Markdown text: (info string, body)."""
    return [(m["info"], m["body"]) for m in re.finditer(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```$", text, re.S | re.M)]


def test_readme_snippets_are_the_apps_files() -> None:
    blocks = [body for _, body in fences((ROOT / "README.md").read_text(encoding="utf-8"))]
    for name in README_FILES:
        assert (APP / name).read_text(encoding="utf-8") in blocks, f"README has no block equal to tests/nextjs_app/{name}"
    dependency = {"dependencies": {"@coachup/obs": json.loads((APP / "package.json").read_text())["dependencies"]
                                   ["@coachup/obs"]}}
    json_blocks = [json.loads(body) for info, body in fences((ROOT / "README.md").read_text()) if info == "json"]
    assert dependency in json_blocks, "README shows the app's package.json dependency on the generated package"
