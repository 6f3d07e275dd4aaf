"""GraphQL document identity without graphql-core: hashes, a normal form, the operation type.

The response cache must find a stored answer before anything is parsed, so the key is built
from a lexical normal form: comments, commas and insignificant white space removed, tokens
joined by one space. Two documents with the same normal form have the same tokens, so they
mean the same thing; string literals are kept byte for byte. A document the lexer cannot read
(an unterminated string) has no normal form and is simply not cached: execution reports it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(
    r'(?P<block>"""(?:\\"""|(?!""")[\s\S])*""")'
    r'|(?P<string>"(?:\\[^\n\r]|[^"\\\n\r])*")'
    r"|(?P<comment>#[^\n\r]*)"
    r"|(?P<ignored>[\s,\ufeff]+)"
    r"|(?P<word>[_0-9A-Za-z]+)"
    r"|(?P<spread>\.\.\.)"
    r"|(?P<other>[\s\S])"
)
OPERATION_KEYWORDS = ("query", "mutation", "subscription")


def sha256_hex(text: str) -> str:
    """The APQ / trusted-document hash: SHA-256 of the exact UTF-8 text."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the cache layer knows about a document without parsing it."""

    normalized_hash: str
    # operation name (None for an anonymous one) -> "query" | "mutation" | "subscription"
    operations: tuple[tuple[str | None, str], ...]

    def operation_type(self, operation_name: str | None) -> str | None:
        """The type of the operation that will run, or None when execution will refuse it."""
        if operation_name is not None:
            found = [kind for name, kind in self.operations if name == operation_name]
            return found[0] if len(found) == 1 else None
        return self.operations[0][1] if len(self.operations) == 1 else None

    def operation_name(self) -> str | None:
        """The name of the document's only operation (None: anonymous, or several)."""
        return self.operations[0][0] if len(self.operations) == 1 else None


def tokens(text: str, limit: int | None = None) -> list[str] | None:
    """Significant tokens, or None when a string literal is not terminated or there are more
    than ``limit`` (execution refuses such a document anyway: no work spent on it here)."""
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        group = match.lastgroup
        if group in ("comment", "ignored"):
            continue
        value = match.group()
        if group == "other" and value == '"':
            return None
        out.append(value)
        if limit is not None and len(out) > limit:
            return None
    return out


def _operations(toks: list[str]) -> tuple[tuple[str | None, str], ...]:
    ops: list[tuple[str | None, str]] = []
    braces = parens = 0
    at_definition = True
    for i, tok in enumerate(toks):
        if tok == "(":
            parens += 1
        elif tok == ")":
            parens -= 1
        elif tok == "{" and parens == 0:
            if braces == 0 and at_definition:
                ops.append((None, "query"))  # the `{ ... }` shorthand
            braces += 1
            at_definition = False
        elif tok == "}" and parens == 0:
            braces -= 1
            at_definition = braces == 0
        elif braces == 0 and parens == 0 and at_definition:
            if tok in OPERATION_KEYWORDS:
                nxt = toks[i + 1] if i + 1 < len(toks) else ""
                name = nxt if re.fullmatch(r"[_A-Za-z][_0-9A-Za-z]*", nxt) else None
                ops.append((name, tok))
                at_definition = False
            elif tok == "fragment":
                at_definition = False
    return tuple(ops)


@lru_cache(maxsize=2048)
def describe(text: str, max_tokens: int | None = None) -> DocumentInfo | None:
    """Normal-form hash and operations of a document (memoised: clients resend the same text)."""
    toks = tokens(text, max_tokens)
    if toks is None:
        return None
    return DocumentInfo(sha256_hex(" ".join(toks)), _operations(toks))
