"""End-to-end test helpers: the Coach Up exporter, the Prometheus stack and the checks."""
