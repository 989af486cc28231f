"""Prometheus rule content: the rule model, SLO burn-rate groups, threshold alerts and their promtool tests."""
