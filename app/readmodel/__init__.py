"""The read model: every table derived from the records, kept by one rule.

A projection is a derived table (or a group of them) with its name, a version, and four
functions: ``rebuild`` makes it whole from the records, ``check`` lists where it differs from
a fresh rendering, ``touches`` names the keys a change reaches, ``refresh`` remakes those keys.
The five are declared once, in ``projections``: the search index, the timeline items
(``rendered_events``), the stored documents (``rendered_documents``, ``document_mentions``),
``actor_events``, the facet counts of the whole lists (``facet_counts``, ``facet_members``)
and the data version.

- Every write makes one ``Change`` (kind, id, before, after) and calls ``apply`` with it,
  inside its own transaction: each projection remakes the keys the change touches.
- A projection's version is a hash of its tables, its output models and its rendering
  functions, plus a manual epoch (bump it when the output changes in a way none of those
  show). ``mgt db upgrade``, ``mgt seed`` and ``mgt serve`` rebuild every projection whose
  stored version differs or is missing; migrations only make tables and never fill them.
- ``mgt readmodel check`` compares every projection with a fresh rendering; the test suite
  runs the same check after every test client.
"""

from app.readmodel.change import Change
from app.readmodel.maintain import apply, check, rebuild, rebuild_stale, stale

__all__ = ["Change", "apply", "check", "rebuild", "rebuild_stale", "stale"]
