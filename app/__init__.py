"""Migration Governance Timeline: a cited REST API over the history of migration governance."""
