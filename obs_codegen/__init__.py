"""obs-codegen: compile one observability spec into dashboards, rules, code and schemas."""

__version__ = "0.1.0"
