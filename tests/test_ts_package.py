"""The generated TypeScript package as an npm dependency: its `.d.ts` and `.js` agree, and every resolver takes it as is.

The package is installed the way an app gets it (`node_modules/@coachup/obs`, a copy of the rendered files), then:
  * `tsc --strict` of a consumer of every subpath under `moduleResolution` bundler, node16 and nodenext, and
    a deep import the `exports` map does not allow fails (the map is what resolves);
  * `node` imports every subpath by package name, and TypeScript's checker lists what each `.d.ts` declares:
    the names are the same, functions are functions, and each constant's run-time value has exactly the
    declared literal type (or, where the declaration is deliberately wider, is assignable to it), checked by tsc;
    a `.js` with one changed bucket fails that check (negative control);
  * `npm pack` of the package ships every `.js` and `.d.ts`;
  * esbuild bundles it as Convex bundles functions (`--bundle --format=esm`, platform neutral and browser): the
    runtime-neutral subpaths (and, for the browser, `rum` with web-vitals) bundle and the bundle runs in node;
    the same entry with `hashing` fails on `node:crypto` (negative control).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SPEC, model_of, node_tool, run, tsc, write_files

from obs_codegen.backends import typescript
from obs_codegen.backends.templating import Templates

FIXTURES = Path(__file__).parent / "fixtures" / "ts_package"
PACKAGE = "@coachup/obs"
# Every subpath of the Coach Up package: the fixed ones, and `emitters`, which a spec with log events gets
# (a subpath of its own, not re-exported by the root).
ALL = (*typescript.SUBPATHS, "emitters", *typescript.CLIENT_SUBPATHS, *typescript.RUM_SUBPATHS)
# What each client subpath imports (the package's optional peer dependencies, installed beside it here).
CLIENT_IMPORTS = {"instrumentation": ['import { Counter, Gauge, Histogram, register } from "prom-client";'],
                  "otel": ['import { metrics } from "@opentelemetry/api";'],
                  "rum": ['import { onLCP, onINP, onCLS, onTTFB } from "web-vitals";'],
                  "ingest": ['import { register } from "prom-client";',
                             'import { createMetrics } from "./instrumentation.js";']}
SUBPATHS = [".", *ALL]
# Constants whose declaration is wider than their value on purpose (`HEADERS[name]` is a `HeaderSpec`).
WIDENED = {"LOG_LEVELS", "LOG_EVENT_FIELDS", "PINO_OPTIONS",
           "HEADERS", "HEADER_GROUPS", "HOPS", "STRIP_UNKNOWN_HEADERS", "HEADER_DEFAULT_MAX_BYTES",
           "LOG_EVENT_KEYS", "FORBIDDEN_LOG_FIELDS"}
STRICT = {"strict": True, "noUnusedLocals": True, "exactOptionalPropertyTypes": True, "noUncheckedIndexedAccess": True,
          "target": "es2022", "lib": ["es2022", "dom"], "noEmit": True, "skipLibCheck": False,
          "types": ["node"], "typeRoots": [str(ROOT / "node_modules" / "@types")]}
RESOLUTIONS = {"bundler": {"module": "esnext", "moduleResolution": "bundler"},
               "node16": {"module": "node16", "moduleResolution": "node16"},
               "nodenext": {"module": "nodenext", "moduleResolution": "nodenext"}}
CONSUMER = """\
import { HASH_SALT_ENV, hashId, type HashedId } from "@coachup/obs/hashing";
import { HEADERS, X_REQUEST_ID, sanitizeHeaders, type HeaderName } from "@coachup/obs/headers";
import { logLine, type LogEventKey } from "@coachup/obs/logs";
import { METRICS, NEXT_REQUEST_COUNT, TAG_VALUES, type EnvValue, type MetricKey } from "@coachup/obs/metrics";
import * as all from "@coachup/obs";

const env: EnvValue = TAG_VALUES.env[0];
const key: MetricKey = "next.request.count";
const header: HeaderName = X_REQUEST_ID;
const event: LogEventKey = "next.api_request";
const user: HashedId<"userIdHash"> = hashId("userIdHash", "user_1", process.env[HASH_SALT_ENV] ?? "salt");
const prom: "coachup_next_request_count_total" = NEXT_REQUEST_COUNT.promName;
export const used = [env, METRICS[key].type, HEADERS[header].maxBytes, event, user, prom, all.X_REQUEST_ID,
                     sanitizeHeaders("next-py", { [X_REQUEST_ID]: "x" }).dropped, logLine];
"""


def install(project: Path, package: Path | None = None) -> Path:
    """A consumer project (`type: module`) with the package copied into its node_modules."""
    target = project / "node_modules" / PACKAGE
    if package is None:
        files = typescript.render(model_of(SPEC), Templates())
        write_files({p.relative_to("typescript"): data for p, data in files.items()}, target)
    else:
        shutil.copytree(package, target)
    (project / "package.json").write_text('{"type": "module", "private": true}', encoding="utf-8")
    peers = (*typescript.PEER_DEPENDENCIES, *typescript.RUM_PEER_DEPENDENCIES)
    for peer in peers:  # installed by the app, as the package's peer dependencies ask
        link = project / "node_modules" / peer
        if not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(ROOT / "node_modules" / peer)
    return target


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consumer")
    install(root)
    return root


@pytest.mark.parametrize("resolution", sorted(RESOLUTIONS))
def test_tsc_strict_consumer_under_each_module_resolution(project: Path, resolution: str) -> None:
    (project / "consumer.ts").write_text(CONSUMER, encoding="utf-8")
    options = {**STRICT, **RESOLUTIONS[resolution]}
    ok = tsc(project, {"compilerOptions": options, "files": ["consumer.ts"]}, name=f"tsconfig.{resolution}.json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # Negative control: a path the exports map does not list does not resolve, whatever file exists there.
    (project / f"deep_{resolution}.ts").write_text('export { X_REQUEST_ID } from "@coachup/obs/headers.js";\n')
    bad = tsc(project, {"compilerOptions": options, "files": [f"deep_{resolution}.ts"]},
              name=f"tsconfig.deep.{resolution}.json")
    assert bad.returncode != 0 and "TS2307" in bad.stdout, bad.stdout


def exports_of(project: Path) -> dict[str, Any]:
    shutil.copy(FIXTURES / "exports.mjs", project / "exports.mjs")
    ran = run(["node", "exports.mjs", str(ROOT / "node_modules" / "typescript"), PACKAGE, *SUBPATHS], project)
    assert ran.returncode == 0, ran.stderr[-3000:]
    return json.loads(ran.stdout)  # type: ignore[no-any-return]


def ts_expr(value: Any) -> str:
    """A TypeScript expression for a value `exports.mjs` encoded (JSON plus regular expressions, Sets and Maps)."""
    if isinstance(value, dict) and set(value) == {"$regexp"}:
        return f"new RegExp({json.dumps(value['$regexp'])})"
    if isinstance(value, dict) and set(value) == {"$function"}:  # a function inside a value (PINO_OPTIONS.formatters)
        return "((): never => { throw new Error(); })"
    if isinstance(value, dict) and set(value) == {"$set"}:
        return "new Set([" + ", ".join(ts_expr(v) for v in value["$set"]) + "])"
    if isinstance(value, dict) and set(value) == {"$map"}:
        return "new Map([" + ", ".join(f"[{ts_expr(k)}, {ts_expr(v)}]" for k, v in value["$map"]) + "])"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{json.dumps(k)}]: {ts_expr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(ts_expr(v) for v in value) + "]"
    return json.dumps(value)


def agreement_check(found: dict[str, Any]) -> tuple[str, list[str]]:
    """A TypeScript file asserting each constant's run-time value against its declaration; the constants it checks."""
    lines = ["type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;"]
    checked = []
    for i, (sub, got) in enumerate(sorted(found.items())):
        lines.append(f"import * as m{i} from {json.dumps(PACKAGE if sub == '.' else f'{PACKAGE}/{sub}')};")
        for name, value in sorted(got["runtime"].items()):
            if isinstance(value, dict) and "$function" in value:
                continue
            checked.append(f"{sub}:{name}")
            if name in WIDENED:
                lines.append(f"export const {name}_{i}: typeof m{i}.{name} = {ts_expr(value)};")
            else:
                lines.append(f"const {name}_{i} = {ts_expr(value)} as const;")
                lines.append(f"export const {name}_{i}_ok: Equals<typeof {name}_{i}, typeof m{i}.{name}> = true;")
    return "\n".join(lines) + "\n", checked


def check_agreement(project: Path, name: str) -> tuple[dict[str, Any], Any, list[str]]:
    found = exports_of(project)
    source, checked = agreement_check(found)
    (project / f"{name}.ts").write_text(source, encoding="utf-8")
    options = {**STRICT, **RESOLUTIONS["nodenext"], "noUnusedLocals": False}
    return found, tsc(project, {"compilerOptions": options, "files": [f"{name}.ts"]}, name=f"tsconfig.{name}.json"), checked


def test_runtime_exports_equal_the_declared_ones(project: Path) -> None:
    found, result, checked = check_agreement(project, "agree")
    for sub in SUBPATHS:
        declared, runtime = found[sub]["declared"], found[sub]["runtime"]
        assert set(declared) == set(runtime), (sub, set(declared) ^ set(runtime))
        functions = {n for n, v in runtime.items() if isinstance(v, dict) and "$function" in v}
        assert functions == {n for n, kind in declared.items() if kind == "function"}, sub
    assert found["."]["runtime"] == {k: v for sub in typescript.SUBPATHS for k, v in found[sub]["runtime"].items()}
    assert {"hashId", "sanitizeHeaders", "logLine"} <= set(found["."]["runtime"])
    assert len(checked) > 60 and "metrics:WEB_VITALS_LCP_MS" in checked and "headers:HEADERS" in checked
    assert result.returncode == 0, result.stdout[-4000:]


def test_a_changed_runtime_value_fails_the_agreement_check(tmp_path: Path, project: Path) -> None:
    """Negative control: one bucket of one metric changed in the .js (not the .d.ts) is caught, by name."""
    broken = tmp_path / "broken"
    target = install(broken, project / "node_modules" / PACKAGE)
    text = (target / "metrics.js").read_text()
    old = "buckets: [50, 100, 200, 500, 800, 1000, 1800, 2500, 4000, 8000]"
    assert old in text
    (target / "metrics.js").write_text(text.replace(old, old.replace("8000", "8001"), 1))
    _, result, _ = check_agreement(broken, "agree")
    assert result.returncode != 0 and "agree.ts" in result.stdout, result.stdout
    source = (broken / "agree.ts").read_text().splitlines()
    failed = {source[int(line.split("(")[1].split(",")[0]) - 1].split()[2].split("_ok")[0].rsplit("_", 1)[0]
              for line in result.stdout.splitlines() if line.startswith("agree.ts(")}
    assert failed == {"WEB_VITALS_LCP_MS", "METRICS"}, result.stdout  # in metrics and in the root index


def test_node_imports_every_subpath_and_the_browser_subpaths_need_no_node_builtin(project: Path) -> None:
    script = (f"const subs = ['@coachup/obs', ...{json.dumps(list(ALL))}.map((s) => `@coachup/obs/${{s}}`)];\n"
              "for (const s of subs) { const m = await import(s); console.log(s, Object.keys(m).length); }\n")
    (project / "imports.mjs").write_text(script, encoding="utf-8")
    ran = run(["node", "imports.mjs"], project)
    assert ran.returncode == 0, ran.stderr
    assert [line.split()[0] for line in ran.stdout.splitlines()] == [
        PACKAGE, *(f"{PACKAGE}/{s}" for s in ALL)]
    target = project / "node_modules" / PACKAGE
    for sub in ALL:
        imports = [line for line in (target / f"{sub}.js").read_text().splitlines()
                   if line.startswith("import ") and not line.endswith(('from "./labels.js";', 'from "./metrics.js";'))]
        want = ['import { createHmac } from "node:crypto";'] if sub == "hashing" else CLIENT_IMPORTS.get(sub, [])
        assert imports == want, (sub, imports)


def test_npm_pack_ships_the_js_and_the_declarations(tmp_path: Path) -> None:
    target = install(tmp_path)
    ran = run(["npm", "pack", "--dry-run", "--json", "--ignore-scripts"], target,
              {"npm_config_cache": str(tmp_path / "npm-cache"), "npm_config_update_notifier": "false"})
    assert ran.returncode == 0, ran.stderr
    packed = {f["path"] for f in json.loads(ran.stdout)[0]["files"]}
    modules = {f"{m}{ext}" for m in ("index", *ALL) for ext in (".js", ".d.ts")}
    assert packed == modules | {"package.json"}, packed
    exports = json.loads((target / "package.json").read_text())["exports"]
    assert {p for entry in exports.values() if isinstance(entry, dict) for p in entry.values()} == {
        f"./{m}" for m in modules}



CONVEX_ENTRY = """\
import { createLogMetrics } from "@coachup/obs/logmetrics";
import { checkLabels } from "@coachup/obs/labels";
import { sanitizeHeaders, X_REQUEST_ID } from "@coachup/obs/headers";
import { logLine } from "@coachup/obs/logs";
import { METRICS } from "@coachup/obs/metrics";
%s
const lines = [];
createLogMetrics("convex", (line) => lines.push(line)).convexFunctionErrors({ env: "dev" }).inc();
export const result = { lines, kinds: Object.keys(METRICS).length, labels: checkLabels("convex.function.errors", { env: "dev" }),
  headers: sanitizeHeaders("next-py", { [X_REQUEST_ID]: "x" }).dropped.length, log: typeof logLine, extra: %s };
"""
EXTRA = {"neutral": ("", "null"),
         "browser": ('import { createRumReporter } from "@coachup/obs/rum";', "typeof createRumReporter")}


def esbuild(project: Path, name: str, source: str, platform: str) -> Any:
    (project / f"{name}.mjs").write_text(source, encoding="utf-8")
    return run([node_tool("esbuild"), f"{name}.mjs", "--bundle", "--format=esm", f"--platform={platform}",
                f"--outfile=dist/{name}.mjs", "--log-level=warning"], project)


@pytest.mark.parametrize("platform", ["neutral", "browser"])
def test_esbuild_bundles_the_package_as_convex_does(project: Path, platform: str) -> None:
    imports, extra = EXTRA[platform]
    built = esbuild(project, f"convex_{platform}", CONVEX_ENTRY % (imports, extra), platform)
    assert built.returncode == 0, built.stderr
    bundle = (project / "dist" / f"convex_{platform}.mjs").read_text()
    assert "node:" not in bundle and "prom-client" not in bundle, "a Node.js or prom-client import was bundled"
    ran = run(["node", "--input-type=module", "-e",
               f"const {{ result }} = await import('./dist/convex_{platform}.mjs'); console.log(JSON.stringify(result));"],
              project)
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["lines"] == ['{"obs":"obs.metric","metric":"convex.function.errors","value":1,"labels":{"env":"dev"}}']
    assert result["labels"] == {"env": "dev"} and result["kinds"] == 40
    assert result["extra"] == (None if platform == "neutral" else "function")
    # Negative control: the same entry with the Node.js-only subpath does not bundle for that platform.
    broken = esbuild(project, f"hashing_{platform}", 'import { hashId } from "@coachup/obs/hashing";\n'
                     + CONVEX_ENTRY % (imports, extra), platform)
    assert broken.returncode != 0 and "node:crypto" in broken.stderr, broken.stderr
