"""KNOWN_FAILING: the hostile cases that fail today, each with its reason and the part of issue 18 to fix it.

tests/test_hostile_specs.py fails when a listed case passes (delete its line as the fix lands) and
when an unlisted case fails, so this list is always exactly today's failures. Parts: A escaping and
identifiers, B writer and input bounds, C header helpers, D Prometheus and log schemas; "none" means
no part of issue 18 covers it yet.
"""

from __future__ import annotations

KNOWN_FAILING: dict[str, str] = {
    'inject-dquote3@project.title': 'A: text closes a Python docstring: import runs the payload',
    'inject-dquote3@all-text': 'A: text closes a Python docstring (SyntaxError)',
    'inject-crlf@key:headers.x-request-id': 'none: diagnostics echo spec text raw (newline, CR, NUL, ESC)',
    'inject-newline-js@hops.client-api.to': 'none: diagnostics echo spec text raw (newline, CR, NUL, ESC)',
    'inject-backslash-N@project.title': 'A: backslash escape lands raw in a docstring (SyntaxError)',
    'inject-backslash-N@all-text': 'A: backslash escape lands raw in a docstring (SyntaxError)',
    'inject-backslash-x@project.title': 'A: backslash escape lands raw in a docstring (SyntaxError)',
    'inject-backslash-x@all-text': 'A: backslash escape lands raw in a docstring (SyntaxError)',
    'inject-backslash-u@all-text': 'A: backslash escape lands raw in a docstring (SyntaxError)',
    'inject-backslash-end@all-text': 'A: backslash lands raw in a docstring (invalid escape)',
    'inject-nul@project.title': 'A: NUL reaches Python source',
    'inject-nul@metrics.api.request.count.description': 'A: NUL reaches Python source',
    'inject-nul@key:headers.x-request-id': 'none: diagnostics echo spec text raw (newline, CR, NUL, ESC)',
    'inject-nul@all-text': 'A: NUL reaches Python source',
    'inject-surrogate-high@project.title': 'A: lone surrogate is lint-clean, internal error at render',
    'inject-surrogate-high@tags.vendor.values[0]': 'A: lone surrogate is lint-clean, internal error at render',
    'inject-surrogate-high@metrics.api.request.count.description': 'A: lone surrogate is lint-clean, internal error at render',
    'inject-surrogate-high@all-text': 'A: lone surrogate is lint-clean, internal error at render',
    'inject-surrogate-low@all-text': 'A: lone surrogate is lint-clean, internal error at render',
    'inject-surrogate-pair@all-text': 'A: lone surrogate is lint-clean, internal error at render',
    'name-trailing-newline@project.name': 'A: project name ending in a newline: schema $id invalid',
    'name-trailing-newline@project.packages.python':
        'A: package name with a newline corrupts pyproject.toml; A: name ending in a newline becomes a file name; '
        'A: package name ending in a newline',
    'name-long@project.packages.python': 'A: name too long for a file name is lint-clean',
    'name-json@project.packages.python': 'A: package name shadows the standard library',
    'name-typing@project.packages.python': 'A: package name shadows the standard library',
    'name-os@project.packages.python': 'A: package name shadows the standard library',
    'name-trailing-newline@project.packages.typescript': 'A: npm package name ending in a newline',
    'name-trailing-newline@tags.vendor.label': 'A+D: label ending in a newline reaches PromQL',
    'name-service@tags.vendor.label': 'D: label collides with a label the rules add',
    'name-severity@tags.vendor.label': 'D: label collides with a label the rules add',
    'name-trailing-newline@tags.userIdHash.prefix': 'A+D: prefix ending in a newline: JS regex rejects the schema',
    'name-trailing-newline@slos.api-availability.period': 'A+D: duration ending in a newline breaks the rules',
    'name-trailing-newline@alerts.ApiLatencyHigh.for': 'A+D: duration ending in a newline breaks the rules',
    'name-trailing-newline@key:services.api': 'none: diagnostics echo spec text raw (newline, CR, NUL, ESC)',
    'name-trailing-newline@key:logs.envelope.ts': 'A: field name ending in a newline breaks logs.py',
    'name-trailing-newline@key:logs.objects.error.fields.code': 'A: field name ending in a newline breaks logs.py',
    'name-nul@key:logs.events.api.request.fields.route': 'none: diagnostics echo spec text raw (newline, CR, NUL, ESC)',
    'name-trailing-newline@key:logs.events.api.request.fields.route': 'A: field name ending in a newline breaks logs.py',
    'name-leading-newline@key:logs.events.api.request.fields.route': 'none: diagnostics echo spec text raw (newline, CR, NUL, ESC)',
    'name-newline-mid@key:logs.events.api.request.fields.route': 'none: diagnostics echo spec text raw (newline, CR, NUL, ESC)',
    'name-trailing-newline@key:slos.api-availability': 'A: name ending in a newline becomes a file name',
    'name-trailing-newline@key:alerts.ApiLatencyHigh': 'A: name ending in a newline becomes a file name',
    'num-for-10000d': 'D: promtool test never finishes (huge duration)',
    'num-average-over-10000d': 'D: promtool test never finishes (huge duration)',
    'num-above-1e+308': 'D: threshold 1e308 is lint-clean, OverflowError at render',
    'yaml-python-name': "none: PyYAML's multi-line error printed as diagnostic lines",
    'yaml-custom-tag': "none: PyYAML's multi-line error printed as diagnostic lines",
    'yaml-key-newline': 'none: diagnostics echo spec text raw (newline, CR, NUL, ESC)',
}
