"""What a results page shows: the words that matched, marked, in escaped HTML.

A word is marked when it analyses (in the article's language) to a token the search asked for,
or when its folded form starts with a searched prefix: the same rule the index matched by, so
``Quokkas`` is marked for ``quokka`` and ``Straße`` for ``strasse``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from resolvers.search.analysis import Analyzer, words
from resolvers.search.query import Match, Phrase, Prefix, Token

MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Marker:
    """The tokens and prefixes of one analysed search (excluded words are never marked)."""

    tokens: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, match: Match | None) -> Marker:
        tokens: set[str] = set()
        prefixes: list[str] = []
        for group in match.required if match is not None else ():
            for atom in group:
                if isinstance(atom, Token):
                    tokens.add(atom.value)
                elif isinstance(atom, Phrase):
                    tokens.update(atom.tokens)
                elif isinstance(atom, Prefix):
                    prefixes.append(atom.value)
        return cls(frozenset(tokens), tuple(prefixes))

    def spans(self, text: str, analyzer: Analyzer) -> list[tuple[int, int]]:
        """(start, end) of every marked word of ``text``."""
        found: list[tuple[int, int]] = []
        for word in words(text):
            token = analyzer.stem(word.folded)
            hit = (token is not None and token in self.tokens) or word.folded.startswith(
                self.prefixes
            )
            if hit and (not found or found[-1] != (word.start, word.end)):
                found.append((word.start, word.end))
        return found


def marked(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` as HTML: escaped, with the spans inside ``<mark>``."""
    end = len(text) if end is None else end
    out: list[str] = []
    cursor = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[cursor:s]))
        out.append(MARK_OPEN + html.escape(text[s:e]) + MARK_CLOSE)
        cursor = e
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


def snippet(text: str, spans: list[tuple[int, int]], length: int) -> str:
    """About ``length`` characters of ``text`` around its first marked word (the start of the
    text when nothing is marked), cut at word boundaries, with an ellipsis where cut."""
    if not text:
        return ""
    first = spans[0][0] if spans else 0
    start = max(0, first - length // 3)
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else 0
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    body = marked(text, spans, start, end)
    return (ELLIPSIS if start > 0 else "") + body + (ELLIPSIS if end < len(text) else "")


@dataclass(frozen=True, slots=True)
class Highlighter:
    """Marks one search's words in one language."""

    marker: Marker
    analyzer: Analyzer

    def title(self, title: str) -> str:
        return marked(title, self.marker.spans(title, self.analyzer))

    def snippet(self, text: str, length: int) -> str:
        collapsed = " ".join(text.split())
        return snippet(collapsed, self.marker.spans(collapsed, self.analyzer), length)
