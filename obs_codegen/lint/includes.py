"""Rule family `spec-include-*`: a multi-file spec's `include:` (spec/includes.py and spec/include_paths.py
produce the findings while loading; they are registered here so `lint --list-rules` documents them).
Limits (too many files, too many bytes or YAML nodes across the files) are `spec-too-large`."""

from __future__ import annotations

from .registry import _stage

for _id, _purpose in (
    ("spec-include-escape", "An include leaves the root spec's directory: absolute path, '..', URL, or outbound symlink."),
    ("spec-include-missing", "An include names a file that does not exist."),
    ("spec-include-empty", "An include glob matches no file."),
    ("spec-include-not-file", "An include names a directory, FIFO or device, or a file that cannot be read."),
    ("spec-include-cycle", "An include names the root spec itself."),
    ("spec-include-section", "An included file holds a section only the root may hold (version, project, settings)."),
    ("spec-include-duplicate", "An item is defined in two spec files (reported at the second, naming the first)."),
):
    _stage(_id, _purpose)
