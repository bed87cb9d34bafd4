"""Citing what the service answers: a record of the dataset, and the sources behind it.

``csl`` makes CSL-JSON items (the format Zotero, Pandoc and citeproc read) for a record —
typed as a dataset entry naming its release, URL and the day it was read — and for each
source; ``styled`` renders them as plain text in the Cite Them Right Harvard style that
citeproc-py ships; ``bibtex`` writes sources and records as BibTeX entries with pybtex.
"""
