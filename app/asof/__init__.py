"""What held on a given day: posts, roles, processes and instruments "as of" a date.

Dates in the dataset are often partial, so whether a record's span covers a day is not
always yes or no: ``coverage`` says ``certain`` when every reading of both dates puts the
day inside the span, ``possible`` when some reading does, and nothing when none does.
"""
