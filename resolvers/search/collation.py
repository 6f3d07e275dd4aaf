"""Locale-correct order of titles and names: a Unicode Collation Algorithm key (the root
collation, DUCET, via pyuca), stored beside the text and compared bytewise by both backends.

``apple, Äpfel, Banana, Zebra`` sort as a reader expects (``Äpfel`` < ``apple``: a and ä differ
only at the second level, ``f`` < ``p`` at the first); case and accents break ties only after
the letters. The key is hex text (4 digits a weight), so SQLite's and PostgreSQL's plain byte
comparison (``C`` collation) give the same order: no ICU needed in either database.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# Weights kept: enough for the first ~50 characters at all three levels. Longer titles that
# agree that far are ordered by id.
MAX_WEIGHTS = 150


@lru_cache(maxsize=1)
def _collator() -> Any:
    from pyuca import Collator  # loads the ~2 MB DUCET table: only when first needed

    return Collator()


def collation_key(text: str) -> str:
    """The sort key of ``text`` as hex text (at most ``4 * MAX_WEIGHTS`` characters)."""
    weights = _collator().sort_key(text)[:MAX_WEIGHTS]
    return "".join(f"{w:04x}" for w in weights)
