"""Which data answered, and releases a researcher can cite and compare.

The data answering a request rests on a basis — the last load of the seed files (its content
hash is the seed files' and the schema revision's) or the last release made with
``mgt release`` — plus the changes made through the API since; every API response says which,
in its ``MGT-Data-Release`` header. A release is a bundle on disk (the seed export, a SQLite
file, checksums, the digest of every record and the change list against the release before)
and a row in ``releases``, listed at ``/api/v1/releases``.
"""
