"""The search language, parsed once in Python.

``words`` (all must match), ``"exact phrase"``, ``-exclude`` (a word or a phrase), ``a OR b``
(binds tighter than the implicit AND: ``x a OR b`` is x AND (a OR b)), ``prefix*``. Anything
else is text: no input is a syntax error, an unclosed quote runs to the end.

``parse`` gives a tree of what was typed; ``Search.for_language`` analyses it with a language's
stop words and stemmer into ``Match`` nodes, which ``resolvers.search.render`` turns into an FTS5
or a ``tsquery`` expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from resolvers.errors import UserInputError
from resolvers.search.analysis import Analyzer, words

MAX_SEARCH_LENGTH = 200
MAX_CLAUSES = 16
MIN_PREFIX = 2

_LEX = re.compile(r'\s*(-?)(?:"([^"]*)"?|(\S+))')


@dataclass(frozen=True, slots=True)
class Typed:
    """One clause as typed: a word (``prefix`` when it ended in ``*``) or a quoted phrase."""

    text: str
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Clause:
    """Alternatives (one unless joined by OR); ``negated`` for ``-word`` / ``-"phrase"``."""

    options: tuple[Typed, ...]
    negated: bool = False


# Analysed forms: a token, a prefix of a folded word, or a sequence of adjacent tokens.
@dataclass(frozen=True, slots=True)
class Token:
    value: str


@dataclass(frozen=True, slots=True)
class Prefix:
    value: str


@dataclass(frozen=True, slots=True)
class Phrase:
    tokens: tuple[str, ...]


Atom = Token | Prefix | Phrase


@dataclass(frozen=True, slots=True)
class Match:
    """All of ``required`` (each an OR of atoms) and none of ``excluded``."""

    required: tuple[tuple[Atom, ...], ...]
    excluded: tuple[Atom, ...]


def _lex(text: str) -> list[tuple[bool, Typed]]:
    items: list[tuple[bool, Typed]] = []
    for minus, quoted, bare in _LEX.findall(text):
        if quoted or (bare == "" and minus == ""):
            items.append((bool(minus), Typed(quoted, phrase=True)))
        elif bare:
            prefix = bare.endswith("*") and len(bare.rstrip("*")) > 0
            items.append((bool(minus), Typed(bare.rstrip("*"), prefix=prefix)))
    return items


def parse(text: str) -> list[Clause]:
    """The clauses of a search string; raises ``UserInputError`` only for a too long input."""
    if len(text) > MAX_SEARCH_LENGTH:
        raise UserInputError(f"`search` is at most {MAX_SEARCH_LENGTH} characters.")
    clauses: list[Clause] = []
    pending_or = False
    for negated, typed in _lex(text):
        if not typed.phrase and typed.text == "OR" and not negated:
            pending_or = bool(clauses) and not clauses[-1].negated
            continue
        if pending_or and not negated:
            last = clauses.pop()
            clauses.append(Clause((*last.options, typed)))
        else:
            clauses.append(Clause((typed,), negated))
        pending_or = False
    if len(clauses) > MAX_CLAUSES:
        raise UserInputError(f"`search` has at most {MAX_CLAUSES} words or phrases.")
    return clauses


def _atom(typed: Typed, analyzer: Analyzer) -> Atom | None:
    """The analysed form of one typed word or phrase; None when nothing of it is indexed
    (a stop word), which makes it match everything."""
    if typed.prefix:
        folded = [w.folded for w in words(typed.text)]
        if len(folded) == 1 and len(folded[0]) >= MIN_PREFIX:
            return Prefix(folded[0])
    tokens = tuple(analyzer.tokens(typed.text))
    if not tokens:
        return None
    return Token(tokens[0]) if len(tokens) == 1 else Phrase(tokens)


def analyse(clauses: list[Clause], analyzer: Analyzer) -> Match | None:
    """The clauses in one language; None when no word must match (such a search finds
    nothing: an empty box, only stop words, or only exclusions)."""
    required: list[tuple[Atom, ...]] = []
    excluded: list[Atom] = []
    for clause in clauses:
        atoms = [_atom(option, analyzer) for option in clause.options]
        if clause.negated:
            excluded.extend(a for a in atoms if a is not None)
        elif all(a is not None for a in atoms):
            # An OR with a stop word in it is always true: it narrows nothing.
            required.append(tuple(dict.fromkeys(a for a in atoms if a is not None)))
    if not required:
        return None
    return Match(tuple(dict.fromkeys(required)), tuple(dict.fromkeys(excluded)))


def _loose_atom(atom: Atom) -> Atom:
    # Any word of a phrase is in every article that has the phrase; the longest is likely
    # the rarest.
    if isinstance(atom, Phrase):
        return Token(max(atom.tokens, key=len))
    return atom


def loosen(match: Match) -> Match:
    """The bag-of-words form of a search that bounds it: every required word, phrases as their
    words in any order (a phrase alone in its group; one of its words inside an OR), no
    exclusions. Every article the search finds has it; finding it needs no word positions, and
    what is excluded never makes the walk over the newest matches longer."""
    required: list[tuple[Atom, ...]] = []
    for group in match.required:
        if len(group) == 1 and isinstance(group[0], Phrase):
            required.extend((Token(token),) for token in group[0].tokens)
        else:
            required.append(tuple(dict.fromkeys(_loose_atom(a) for a in group)))
    return Match(tuple(dict.fromkeys(required)), ())
