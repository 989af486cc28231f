"""Rule family `spec-include-*`: a multi-file spec's `include:` (spec/includes.py and spec/include_paths.py
produce the findings while loading; they are registered here so `lint --list-rules` documents them)."""

from __future__ import annotations

from .registry import _stage

for _id, _purpose in (
    ("spec-include-escape", "An include names something outside the root spec's directory: an absolute path, '..', "
                            "a URL, or a symlink that resolves outside."),
    ("spec-include-missing", "An include names a file that does not exist."),
    ("spec-include-empty", "An include glob matches no file."),
    ("spec-include-not-file", "An include names a directory (or a FIFO, device, ...), not a regular file."),
    ("spec-include-unreadable", "An included file cannot be read."),
    ("spec-include-cycle", "An include names the root spec itself."),
    ("spec-include-limit", "The includes name too many files, or their globs look at too many directory entries."),
    ("spec-include-section", "An included file holds a section only the root may hold (version, project, include, "
                             "settings), or an unknown one."),
    ("spec-include-duplicate", "An item is defined in two spec files (reported at the second, with the first's position)."),
):
    _stage(_id, _purpose)
