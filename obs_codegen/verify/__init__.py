"""Checks of generated output (PromQL, dashboards) that mirror what real consumers reject."""
