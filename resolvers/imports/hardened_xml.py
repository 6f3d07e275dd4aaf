"""Streamed, hardened XML reading for import files.

lxml's ``iterparse`` with entity resolution, DTD loading and network access off, and its
huge-tree limits kept (a text node past 10 MB is an error). A document that declares a DTD at
all is refused before its first element is used: export files never need one, and it is how
entity-expansion ("billion laughs") and external-entity attacks arrive. Elements are cleared
as they are consumed, so memory stays flat however long the file is.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from resolvers.imports.items import ImportFileError


def stream(path: Path, depth: int) -> Generator[etree._Element, None, None]:
    """Each complete element ``depth`` levels below the root (WXR: 2, the children of
    ``rss/channel``), freed once the caller has moved on."""
    try:
        with path.open("rb") as handle:
            yield from _elements(path, handle, depth)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def _elements(path: Path, handle: IO[bytes], depth: int) -> Iterator[etree._Element]:
    try:
        context = etree.iterparse(
            handle,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        level = -1
        for event, element in context:
            if level == -1 and element.getroottree().docinfo.internalDTD is not None:
                raise ImportFileError(
                    f"{path.name} declares a DTD (<!DOCTYPE ...>); export files never do, "
                    "and DTD entities are how entity-expansion and external-entity attacks "
                    "work. Nothing was imported."
                )
            if event == "start":
                level += 1
                continue
            level -= 1
            if level != depth - 1:
                continue
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        raise ImportFileError(_syntax_message(path, exc)) from None


def _syntax_message(path: Path, exc: etree.XMLSyntaxError) -> str:
    text = str(exc.msg or exc)
    lower = text.lower()
    if "amplification" in lower:
        hint = "its DTD declares entities that expand without bound (an entity-expansion attack)"
    elif "encoding" in lower or "utf-8" in lower or "bytes" in lower:
        hint = "the file is not in the encoding it declares (UTF-8 unless its XML header says)"
    elif "huge" in lower or "too big" in lower or "too long" in lower or "limit" in lower:
        hint = "a field is larger than the parser's safety limit (10 MB)"
    elif "entity" in lower:
        hint = "it uses an entity that is not defined (entities are not expanded)"
    else:
        hint = "it is not well-formed XML"
    line = getattr(exc, "lineno", None)
    where = f" at line {line}" if line else ""
    return f"{path.name} cannot be imported: {hint}{where} ({text}). Nothing was imported."


def text(element: etree._Element | None) -> str:
    """An element's text, or "" (CDATA is text to lxml)."""
    if element is None:
        return ""
    return element.text or ""
