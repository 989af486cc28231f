"""Stages 1-2: the spec language (loader, JSON Schema), the resolved model and derived names."""
