"""Single-record writes: validation, storage and the audit log."""
