"""Text analysis, the same at write and at query time: plain text, words, folding, stop words
and Snowball stems for the article's language.

Both backends receive already analysed tokens, so SQLite and PostgreSQL match exactly the same
words: their own tokenizers, dictionaries and stemmers never get a say.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import nh3
import Stemmer

from resolvers.search.stopwords import STOP_WORDS

# The analyser of text in a locale without a stemmer: folding only, every word kept.
SIMPLE = "simple"

# Locale (primary subtag) -> Snowball algorithm shipped by PyStemmer.
STEMMED_LANGUAGES: dict[str, str] = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "nl": "dutch",
    "pt": "portuguese",
    "sv": "swedish",
    "da": "danish",
    "nb": "norwegian",
    "nn": "norwegian",
    "no": "norwegian",
    "fi": "finnish",
    "ru": "russian",
    "pl": "polish",
    "tr": "turkish",
}

# Words longer than this are noise (hashes, base64, URLs glued together): never indexed.
MAX_WORD_LENGTH = 60

_WORD = re.compile(r"[^\W_]+")
_TAG = re.compile(r"<")


def language_of(locale: str | None) -> str:
    """The analyser name for an article locale such as ``de`` or ``de-AT``."""
    primary = (locale or "").replace("_", "-").split("-", 1)[0].lower()
    return STEMMED_LANGUAGES.get(primary, SIMPLE)


def fold(word: str) -> str:
    """Case and diacritic folding: ``Äpfel`` -> ``apfel``, ``Straße`` -> ``strasse``."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def markup_text(markup: str) -> str:
    """The visible text of an HTML body: tags and attributes dropped, block boundaries kept as
    spaces (so ``<p>end</p><p>start</p>`` stays two words), entities decoded."""
    spaced = _TAG.sub(" <", markup)
    stripped = nh3.clean(spaced, tags=set(), clean_content_tags={"script", "style"})
    return html.unescape(stripped)


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text: where it is (for highlighting), and its folded form."""

    start: int
    end: int
    folded: str


@lru_cache(maxsize=65536)
def _folded_parts(word: str) -> tuple[str, ...]:
    if word.isascii():  # the common case: folding is lower-casing, nothing splits
        return (word.lower(),) if len(word) <= MAX_WORD_LENGTH else ()
    return tuple(p for p in _WORD.findall(fold(word)) if len(p) <= MAX_WORD_LENGTH)


def words(text: str) -> Iterator[Word]:
    """The words of ``text`` with their offsets; a word that folds into several (``½``) yields
    each part at the same offsets."""
    for match in _WORD.finditer(text):
        for part in _folded_parts(match.group()):
            yield Word(match.start(), match.end(), part)


def folded_words(text: str) -> list[str]:
    """The folded words of ``text`` (what ``words`` yields, without offsets)."""
    out: list[str] = []
    for word in _WORD.findall(text):
        out.extend(_folded_parts(word))
    return out


class Analyzer:
    """Stop words and stemming of one language (``simple``: neither)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.stop_words = STOP_WORDS.get(language, frozenset())
        self._stemmer = None if language == SIMPLE else Stemmer.Stemmer(language)

    def stem(self, folded: str) -> str | None:
        """The indexed token of a folded word; None for a stop word."""
        if folded in self.stop_words:
            return None
        if self._stemmer is None:
            return folded
        # Stemmers may reintroduce nothing foldable, but German and others expect folded input
        # already: ``apfel`` and ``äpfel`` both reach the stemmer as ``apfel``.
        return str(self._stemmer.stemWord(folded))

    def tokens(self, text: str) -> list[str]:
        """The indexed tokens of ``text``, in order, stop words removed."""
        return self.analyse(text)[0]

    def analyse(self, text: str) -> tuple[list[str], set[str]]:
        """The tokens of ``text``, and the folded words whose stem differs from them: what
        prefix search must also see (``marsupial*`` finds ``marsupials``, token ``marsupi``)."""
        tokens: list[str] = []
        unstemmed: set[str] = set()
        for folded in folded_words(text):
            token = self.stem(folded)
            if token is not None:
                tokens.append(token)
                if token != folded:
                    unstemmed.add(folded)
        return tokens, unstemmed


@lru_cache(maxsize=64)
def analyzer(language: str) -> Analyzer:
    return Analyzer(language)
