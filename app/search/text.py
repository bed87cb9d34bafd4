"""The words the index adds to what it holds, so that searches find what the sources say:
words the source broke across a line with a hyphen ("intergov-ernmental"), joined again, and
words with accents, folded ("Crépeau" also as "crepeau"). Quotes stay verbatim; only the
index gains these forms, and a search's words are folded alike, on both engines."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[^\W_]+")
# A word broken at a line end: letters, a hyphen, perhaps the line break, and the rest of
# the word in lower case (a hyphenated compound of two words is joined too; it does no harm).
BROKEN = re.compile(r"([^\W\d_]+)-\s*([^\W\d_A-Z][^\W\d_]*)")


def fold(word: str) -> str:
    """The word without its accents."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def unbroken(text: str) -> list[str]:
    """The hyphen-broken words of the text, joined, in order."""
    return [first + rest for first, rest in BROKEN.findall(text) if rest[0].islower()]


def added_forms(text: str) -> list[str]:
    """The forms the index adds for this text: its broken words joined, and its words with
    accents folded, each once."""
    words = [*unbroken(text), *WORD.findall(text)]
    joined = set(unbroken(text))
    return list(dict.fromkeys(f for w in words if (f := fold(w)) != w or w in joined))
