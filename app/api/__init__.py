"""The HTTP API: one module a feature, all under /api/v1."""
