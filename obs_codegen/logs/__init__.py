"""Validation of JSON-lines log files against the generated log schemas."""
