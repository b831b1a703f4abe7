r"""What people type that others read (names, notes, reviews, an expert's headline and bio), kept to
characters one can see: the one place that decides, used by the services every form and the API go
through (and the admin's expert form).

Unicode's control (Cc) and format (Cf) characters are invisible. A right-to-left override (U+202E)
makes "Asha\u202eamrev" display as another name, bidi isolates (U+2066–2069) and marks reorder what
follows them on our pages and in emails, and a zero-width space (U+200B) makes two names look equal
while they differ. We strip them rather than refuse the input: most arrive by copy and paste from
another app, unseen by the person who typed, and a refusal they cannot see a reason for helps no one;
stripped, nothing is left to deceive with. Kept: line breaks and tabs in text of several lines, and
the zero-width joiner and non-joiner (U+200D, U+200C) next to a non-ASCII character, which Indic
scripts and emoji sequences need to render correctly (between two plain ASCII letters they only hide).
The result is NFC-normalised and trimmed.
"""
from __future__ import annotations

import unicodedata

JOINERS = frozenset({"\u200c", "\u200d"})
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf"})


def plain_text(value: str, *, multiline: bool = False) -> str:
    """`value` without invisible control and format characters (see the module), NFC, trimmed."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    kept = []
    for index, char in enumerate(value):
        if unicodedata.category(char) not in INVISIBLE_CATEGORIES:
            kept.append(char)
        elif multiline and char in "\n\t":
            kept.append(char)
        elif not multiline and char in "\n\t":
            kept.append(" ")
        elif char in JOINERS and _beside_non_ascii(value, index):
            kept.append(char)
    return "".join(kept).strip()


def _beside_non_ascii(value: str, index: int) -> bool:
    before = value[index - 1] if index > 0 else ""
    after = value[index + 1] if index + 1 < len(value) else ""
    return any(char and not char.isascii() and unicodedata.category(char) not in INVISIBLE_CATEGORIES
               for char in (before, after))
