"""One analysed search, two renderings: an FTS5 MATCH expression and a PostgreSQL ``tsquery``;
and one analysed document, two stored forms: FTS5 column texts and a ``tsvector`` literal.

Both backends then only compare the tokens they are given (FTS5's ``ascii`` tokenizer never
splits an alphanumeric token; the ``tsvector``/``tsquery`` literals bypass PostgreSQL's parser
and dictionaries), which is what makes their results the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from resolvers.search.query import Atom, Match, Phrase, Token

# Prefix search also looks at the unstemmed words, stored apart: an FTS5 column of their own,
# and in the tsvector lexemes that start with this mark (never produced by analysis).
RAW_MARK = "~"
# The FTS5 columns that hold analysed tokens (``words`` holds unstemmed ones, ``lang`` the
# analyser name).
TEXT_COLUMNS = ("title", "excerpt", "meta", "body")
FTS_COLUMNS = (*TEXT_COLUMNS, "words", "lang")
_TEXT_FILTER = "{" + " ".join(TEXT_COLUMNS) + "}"

# Tokens per field that are indexed (the rest of a very long body is not): PostgreSQL keeps
# positions up to 16383, and both backends must see the same tokens.
FIELD_LIMITS = {"title": 200, "excerpt": 1000, "meta": 1000, "body": 14000}
# tsvector weights: title A, excerpt B, tag/category/author names C, body D.
WEIGHTS = {"title": "A", "excerpt": "B", "meta": "C", "body": "D"}
MAX_POSITIONS_PER_LEXEME = 255


def _fts_atom(atom: Atom) -> str:
    if isinstance(atom, Token):
        return f'{_TEXT_FILTER} : "{atom.value}"'
    if isinstance(atom, Phrase):
        return f'{_TEXT_FILTER} : "{" ".join(atom.tokens)}"'
    return f'({_TEXT_FILTER} : "{atom.value}" * OR {{words}} : "{atom.value}" *)'


def _any(rendered: Sequence[str], joiner: str) -> str:
    return rendered[0] if len(rendered) == 1 else "(" + joiner.join(rendered) + ")"


def to_fts5(match: Match) -> str:
    """The FTS5 MATCH expression (tokens are alphanumeric: nothing inside quotes to escape)."""
    expr = " AND ".join(_any([_fts_atom(a) for a in group], " OR ") for group in match.required)
    for atom in match.excluded:
        expr = f"({expr}) NOT ({_fts_atom(atom)})"
    return expr


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _ts_atom(atom: Atom) -> str:
    if isinstance(atom, Token):
        return _quote(atom.value)
    if isinstance(atom, Phrase):
        return "(" + " <-> ".join(_quote(t) for t in atom.tokens) + ")"
    return f"({_quote(atom.value)}:* | {_quote(RAW_MARK + atom.value)}:*)"


def to_tsquery(match: Match) -> str:
    """The ``tsquery`` text, read with a plain cast (no parser, no dictionary)."""
    parts = [_any([_ts_atom(a) for a in group], " | ") for group in match.required]
    parts += [f"!{_ts_atom(a)}" for a in match.excluded]
    return " & ".join(parts)


def _ts_field_atom(atom: Atom, weight: str) -> str:
    if isinstance(atom, Token):
        return f"{_quote(atom.value)}:{weight}"
    if isinstance(atom, Phrase):
        return "(" + " <-> ".join(f"{_quote(t)}:{weight}" for t in atom.tokens) + ")"
    return f"{_quote(atom.value)}:*{weight}"


def to_field_tsquery(match: Match, field: str) -> str:
    """Whether every required part occurs within one field (by its tsvector weight)."""
    weight = WEIGHTS[field]
    groups = [_any([_ts_field_atom(a, weight) for a in g], " | ") for g in match.required]
    return " & ".join(groups)


@dataclass(frozen=True, slots=True)
class DocumentTokens:
    """An analysed article: tokens per field (already cut to ``FIELD_LIMITS``) and the
    unstemmed words for prefix search."""

    language: str
    fields: dict[str, list[str]]
    unstemmed: list[str]

    def fts_row(self) -> dict[str, str]:
        row = {name: " ".join(self.fields[name]) for name in TEXT_COLUMNS}
        row["words"] = " ".join(self.unstemmed)
        row["lang"] = self.language
        return row

    def tsvector(self) -> str:
        """The literal: each field starts one position after the previous field's last token,
        so a phrase never spans two fields (as in FTS5, where fields are columns)."""
        positions: dict[str, list[str]] = {}
        position = 1
        for name in TEXT_COLUMNS:
            weight = WEIGHTS[name]
            for token in self.fields[name]:
                slots = positions.setdefault(token, [])
                if len(slots) < MAX_POSITIONS_PER_LEXEME:
                    slots.append(f"{position}{weight}")
                position += 1
            position += 1
        parts = [f"{_quote(lex)}:{','.join(slots)}" for lex, slots in positions.items()]
        parts += [_quote(RAW_MARK + word) for word in self.unstemmed]
        return " ".join(parts)
