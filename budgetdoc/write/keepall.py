"""Korean keep-all for WeasyPrint: words that break only at spaces, marked in the HTML and joined in the PDF.

Browsers read ``word-break: keep-all`` (screen.css); WeasyPrint does not. The templates mark
text with :func:`keep_words`; :func:`join_words` turns the marks into WORD JOINERs before
WeasyPrint lays the page out, and :mod:`budgetdoc.write.pagebreaks` joins the words of the
``(계속)`` it adds with :func:`keep_all`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from markupsafe import Markup


def keep_words(text: object) -> Markup:
    """Escape ``text`` and mark it as words that never break inside (Korean keep-all).

    Browsers read ``word-break: keep-all`` (screen.css). WeasyPrint does not, so
    :meth:`Renderer.pdf` joins the characters of each word in marked text with WORD
    JOINERs (U+2060): lines then break only at spaces, except inside a word of more than
    ``LONG_WORD`` characters that does not fit. The joiners are invisible, have no width
    and are not in the PDF's text; the HTML file never contains them.
    """
    return Markup('<span class="kw">{}</span>').format(text)


WORD_JOINER = "\u2060"
LONG_WORD = 10  # characters; a longer word may be broken where it does not fit
_BETWEEN = re.compile(r"(?<=(\S))(?=(\S))")  # every point between two non-space characters
_ZWJ = "\u200d"
_BREAK = re.compile(r"[^\S\u00a0\u2007\u202f]+")  # the spaces a line may break at: not the no-break spaces


def words(text: str) -> list[str]:
    """The words of ``text``: the runs between spaces a line may break at (a no-break space joins)."""
    return [w for w in _BREAK.split(text) if w]


def _continues_cluster(before: str, after: str) -> bool:
    """Whether ``after`` belongs to the same user-perceived character as ``before``.

    Combining marks and variation selectors, the vowels and finals of decomposed (NFD)
    Hangul, emoji joined by ZWJ and modifiers, and flag pairs: a joiner between them would
    take them apart.
    """
    if before == _ZWJ or after == _ZWJ or unicodedata.category(after) in ("Mn", "Mc", "Me"):
        return True
    code = ord(after)
    if 0x1160 <= code <= 0x11FF or 0xD7B0 <= code <= 0xD7FF or 0x1F3FB <= code <= 0x1F3FF:
        return True
    return 0x1F1E6 <= code <= 0x1F1FF and 0x1F1E6 <= ord(before) <= 0x1F1FF


def keep_all(text: str) -> str:
    """``text`` with a WORD JOINER between every two characters of a word (but not inside one character)."""
    return _BETWEEN.sub(lambda m: "" if _continues_cluster(m[1], m[2]) else WORD_JOINER, text)


def join_words(root: Any) -> None:
    """Replace every ``<span class="kw">`` of a parsed document by its text, with WORD JOINERs.

    The span only marks the text; left in, it would be one more inline box to lay out and
    one more structure element in a tagged PDF. An element holding a word longer than
    ``LONG_WORD`` gets ``overflow-wrap: anywhere`` (its only inline style), so that such a
    word breaks where it does not fit instead of pushing its table off the page.
    """
    for parent in list(root.iter()):
        previous = None
        for child in list(parent):
            if child.get("class") == "kw" and len(child) == 0:
                if any(len(word) > LONG_WORD for word in words(child.text or "")):
                    parent.set("style", "overflow-wrap: anywhere")
                text = keep_all(child.text or "") + (child.tail or "")
                if previous is None:
                    parent.text = (parent.text or "") + text
                else:
                    previous.tail = (previous.tail or "") + text
                parent.remove(child)
            else:
                previous = child
