"""Typed schema.org JSON-LD objects and their serialisation for a ``<script>`` element.

The same dataclasses back the typed GraphQL objects and the serialised ``jsonLdScript``, so the
two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

CONTEXT = "https://schema.org"

# Characters that could end the <script> element or start an HTML comment/entity inside it,
# plus the two line separators that old JavaScript parsers treat as line ends. JSON allows any
# of them to be written as \\u escapes, so the result is still the same JSON.
_SCRIPT_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


@dataclass(frozen=True, slots=True)
class LdImage:
    url: str
    width: int | None = None
    height: int | None = None
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class LdOrganization:
    name: str
    url: str
    logo: LdImage | None = None


@dataclass(frozen=True, slots=True)
class LdPerson:
    name: str
    url: str
    image: str | None = None
    description: str | None = None
    same_as: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LdListItem:
    position: int
    name: str
    item: str


@dataclass(frozen=True, slots=True)
class LdBreadcrumbList:
    items: list[LdListItem]


@dataclass(frozen=True, slots=True)
class LdArticle:
    type: str  # Article | BlogPosting | NewsArticle
    headline: str
    url: str
    main_entity_of_page: str
    publisher: LdOrganization
    description: str | None = None
    date_published: datetime | None = None
    date_modified: datetime | None = None
    authors: list[LdPerson] = field(default_factory=list)
    images: list[LdImage] = field(default_factory=list)
    in_language: str | None = None
    article_section: str | None = None
    keywords: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LdWebSite:
    name: str
    url: str
    publisher: LdOrganization
    description: str | None = None
    in_language: str | None = None


@dataclass(frozen=True, slots=True)
class LdWebPage:
    type: str  # CollectionPage
    name: str
    url: str
    description: str | None = None
    in_language: str | None = None


LdThing = LdArticle | LdPerson | LdOrganization | LdBreadcrumbList | LdWebSite | LdWebPage


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and v != []}


def _image(image: LdImage) -> dict[str, Any]:
    return _clean(
        {
            "@type": "ImageObject",
            "url": image.url,
            "width": image.width,
            "height": image.height,
            "caption": image.caption,
        }
    )


def _organization(org: LdOrganization) -> dict[str, Any]:
    logo = _image(org.logo) if org.logo is not None else None
    return _clean({"@type": "Organization", "name": org.name, "url": org.url, "logo": logo})


def _person(person: LdPerson) -> dict[str, Any]:
    return _clean(
        {
            "@type": "Person",
            "name": person.name,
            "url": person.url,
            "image": _image(LdImage(person.image)) if person.image else None,
            "description": person.description,
            "sameAs": person.same_as,
        }
    )


def _date(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def to_json(thing: LdThing) -> dict[str, Any]:
    """The JSON-LD dictionary of one typed object (without ``@context``)."""
    if isinstance(thing, LdArticle):
        return _clean(
            {
                "@type": thing.type,
                "headline": thing.headline,
                "description": thing.description,
                "url": thing.url,
                "mainEntityOfPage": {"@type": "WebPage", "@id": thing.main_entity_of_page},
                "datePublished": _date(thing.date_published),
                "dateModified": _date(thing.date_modified),
                "author": [_person(p) for p in thing.authors],
                "image": [_image(i) for i in thing.images],
                "publisher": _organization(thing.publisher),
                "inLanguage": thing.in_language,
                "articleSection": thing.article_section,
                "keywords": ", ".join(thing.keywords) or None,
            }
        )
    if isinstance(thing, LdPerson):
        return _person(thing)
    if isinstance(thing, LdOrganization):
        return _organization(thing)
    if isinstance(thing, LdBreadcrumbList):
        items = [
            {"@type": "ListItem", "position": i.position, "name": i.name, "item": i.item}
            for i in thing.items
        ]
        return {"@type": "BreadcrumbList", "itemListElement": items}
    if isinstance(thing, LdWebSite):
        return _clean(
            {
                "@type": "WebSite",
                "name": thing.name,
                "url": thing.url,
                "description": thing.description,
                "inLanguage": thing.in_language,
                "publisher": _organization(thing.publisher),
            }
        )
    return _clean(
        {
            "@type": thing.type,
            "name": thing.name,
            "url": thing.url,
            "description": thing.description,
            "inLanguage": thing.in_language,
        }
    )


def script_text(document: Any) -> str:
    """JSON for inside ``<script type="application/ld+json">``: no ``</script>``, ``<!--`` or
    entity can appear, because ``<``, ``>`` and ``&`` only ever occur as ``\\u`` escapes."""
    return orjson.dumps(document).decode().translate(_SCRIPT_ESCAPES)


def graph_script(things: list[LdThing]) -> str:
    return script_text({"@context": CONTEXT, "@graph": [to_json(t) for t in things]})


def parse_override(raw: str | None) -> Any | None:
    """An editor's JSON-LD override if it is a JSON object or array, else None (the audit
    reports an invalid override as JSON_LD_INVALID)."""
    if not raw or not raw.strip():
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict | list) else None
