"""Typed label values in the generated Python package: mypy --strict rejects a misspelt label, a
missing label and an enum value outside the spec in the recording methods of both client modules
(`instrumentation` for prometheus_client, `otel` for OpenTelemetry), and the run-time checks of
`labels` reject a bounded-string value that breaks its pattern or its `max_values` budget (and an
enum value from untyped code) until they are switched off."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import mypy, run, write_files

from obs_codegen.backends import python_pkg
from obs_codegen.backends.templating import Templates
from obs_codegen.spec.model import Model

CALLS = """\
from coachup_obs.{module} import {create}

m = {create}("py")
m.py_request_count(env="production", route="POST /api/chat").inc()
m.py_upstream_latency_ms(env="staging", provider="openai", model_id="gpt-4o-mini").observe(120.0)
m.py_request_count(env="production", rout="POST /api/chat").inc()  # BAD: misspelt label
m.py_request_count(env="production").inc()  # BAD: missing label
m.py_request_count(env="prod", route="POST /api/chat").inc()  # BAD: not an environment
raw = m.PY_REQUEST_COUNT  # the client's own object stays reachable
"""


@pytest.fixture(scope="module")
def pkg(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(python_pkg.render(model, Templates()), tmp_path_factory.mktemp("pkg")) / "python"


@pytest.mark.parametrize(("module", "create"), [("instrumentation", "create_metrics"), ("otel", "create_otel_metrics")])
def test_mypy_rejects_exactly_the_three_bad_calls(pkg: Path, module: str, create: str) -> None:
    source = CALLS.format(module=module, create=create)
    (pkg / f"calls_{module}.py").write_text(source)
    result = mypy(f"calls_{module}.py", pkg, cwd=pkg)
    bad_lines = {i for i, line in enumerate(source.splitlines(), 1) if "# BAD" in line}
    error_lines = {int(n) for n in re.findall(rf"^calls_{module}\.py:(\d+): error", result.stdout, re.M)}
    assert error_lines == bad_lines, result.stdout
    assert 'Unexpected keyword argument "rout"' in result.stdout, result.stdout
    assert 'Missing named argument "route"' in result.stdout, result.stdout
    assert "Literal['prod']" in result.stdout and "Found 3 errors" in result.stdout, result.stdout
    good = "\n".join(line for line in source.splitlines() if "# BAD" not in line) + "\n"
    (pkg / f"good_{module}.py").write_text(good)
    clean = mypy(f"good_{module}.py", pkg, cwd=pkg)
    assert clean.returncode == 0, clean.stdout


RUNTIME = """
import sys
from prometheus_client import CollectorRegistry
from coachup_obs import labels
from coachup_obs.instrumentation import create_metrics

m = create_metrics("py", CollectorRegistry())
def refused(call):
    try:
        call()
    except labels.LabelValueError as err:
        return str(err)
    return None

print(refused(lambda: m.py_request_count(env="prod", route="POST /api/chat")))  # untyped caller
print(refused(lambda: m.py_upstream_errors(env="dev", provider="openai", model_id="bad model", error_type="timeout")))
for i in range(30):
    m.py_upstream_latency_ms(env="dev", provider="openai", model_id=f"model-{i}").observe(1.0)
m.py_upstream_latency_ms(env="dev", provider="openai", model_id="model-0").observe(1.0)  # seen: fine
print(refused(lambda: m.py_upstream_latency_ms(env="dev", provider="openai", model_id="model-30")))
labels.set_label_checks(False)
print(refused(lambda: m.py_upstream_latency_ms(env="dev", provider="openai", model_id="model-31")))
"""


def test_runtime_checks_refuse_pattern_budget_and_enum_until_switched_off(pkg: Path) -> None:
    ran = run([sys.executable, "-c", RUNTIME], env={"PYTHONPATH": str(pkg)}, timeout=60)
    assert ran.returncode == 0, ran.stderr
    enum, pattern, budget, off = ran.stdout.splitlines()
    assert enum.startswith("metric 'py.request.count', label 'env': value 'prod' is not one of"), enum
    assert pattern == ("metric 'py.upstream.errors', label 'model_id': value 'bad model' does not match "
                       "'^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$'"), pattern
    assert budget == ("metric 'py.upstream.latency_ms', label 'model_id': value 'model-30' would be distinct "
                      "value 31, over max_values 30"), budget
    assert off == "None", off
