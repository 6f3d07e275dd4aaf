"""Typed schema.org JSON-LD objects (the same data as ``Seo.jsonLdScript``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers.seo import jsonld as ld

TYPE_DESCRIPTION = "The schema.org @type."


@strawberry.type(description="schema.org ImageObject.")
class JsonLdImageObject:
    url: str = strawberry.field(description="Absolute image URL.")
    width: int | None = strawberry.field(description="Width in pixels.")
    height: int | None = strawberry.field(description="Height in pixels.")
    caption: str | None = strawberry.field(description="Caption (the image's alt text).")

    @classmethod
    def of(cls, image: ld.LdImage) -> JsonLdImageObject:
        return cls(url=image.url, width=image.width, height=image.height, caption=image.caption)


@strawberry.type(description="schema.org Organization: the publisher.")
class JsonLdOrganization:
    type: str = strawberry.field(description=TYPE_DESCRIPTION)
    name: str = strawberry.field(description="Name of the organisation (the site name).")
    url: str = strawberry.field(description="Home page URL.")
    logo: JsonLdImageObject | None = strawberry.field(description="Logo, if configured.")

    @classmethod
    def of(cls, org: ld.LdOrganization) -> JsonLdOrganization:
        logo = JsonLdImageObject.of(org.logo) if org.logo is not None else None
        return cls(type="Organization", name=org.name, url=org.url, logo=logo)


@strawberry.type(description="schema.org Person: an author.")
class JsonLdPerson:
    type: str = strawberry.field(description=TYPE_DESCRIPTION)
    name: str = strawberry.field(description="Display name.")
    url: str = strawberry.field(description="Absolute URL of the author page.")
    image: JsonLdImageObject | None = strawberry.field(description="Portrait.")
    description: str | None = strawberry.field(description="Biography as plain text.")
    same_as: list[str] = strawberry.field(description="Other profiles: website, Twitter/X.")

    @classmethod
    def of(cls, p: ld.LdPerson) -> JsonLdPerson:
        return cls(
            type="Person",
            name=p.name,
            url=p.url,
            image=JsonLdImageObject(url=p.image, width=None, height=None, caption=None)
            if p.image
            else None,
            description=p.description,
            same_as=p.same_as,
        )


@strawberry.type(description="schema.org ListItem of a breadcrumb trail.")
class JsonLdListItem:
    position: int = strawberry.field(description="1-based position in the trail.")
    name: str = strawberry.field(description="Label.")
    item: str = strawberry.field(description="Absolute URL.")


@strawberry.type(description="schema.org BreadcrumbList.")
class JsonLdBreadcrumbList:
    type: str = strawberry.field(description=TYPE_DESCRIPTION)
    item_list_element: list[JsonLdListItem] = strawberry.field(description="The trail.")


@strawberry.type(description="schema.org Article, BlogPosting or NewsArticle.")
class JsonLdArticle:
    type: str = strawberry.field(description=TYPE_DESCRIPTION + " (GATEWAY_SEO_ARTICLE_TYPE).")
    headline: str = strawberry.field(description="The article's title.")
    description: str | None = strawberry.field(description="The meta description.")
    url: str = strawberry.field(description="Canonical URL.")
    main_entity_of_page: str = strawberry.field(description="@id of the WebPage (canonical).")
    date_published: datetime | None = strawberry.field(description="Publication time.")
    date_modified: datetime | None = strawberry.field(description="Last modification time.")
    author: list[JsonLdPerson] = strawberry.field(description="Authors in byline order.")
    images: list[JsonLdImageObject] = strawberry.field(
        description="schema.org image: the lead image(s)."
    )
    publisher: JsonLdOrganization = strawberry.field(description="The site as publisher.")
    in_language: str | None = strawberry.field(description="Language tag.")
    article_section: str | None = strawberry.field(description="Primary category name.")
    keywords: list[str] = strawberry.field(description="Tag names.")


@strawberry.type(description="schema.org WebSite: the home page.")
class JsonLdWebSite:
    type: str = strawberry.field(description=TYPE_DESCRIPTION)
    name: str = strawberry.field(description="Site name.")
    url: str = strawberry.field(description="Home page URL.")
    description: str | None = strawberry.field(description="Site description.")
    in_language: str | None = strawberry.field(description="Default language tag.")
    publisher: JsonLdOrganization = strawberry.field(description="The publishing organisation.")


@strawberry.type(description="schema.org WebPage subtype, e.g. CollectionPage for listings.")
class JsonLdWebPage:
    type: str = strawberry.field(description=TYPE_DESCRIPTION)
    name: str = strawberry.field(description="Page name.")
    url: str = strawberry.field(description="Canonical URL.")
    description: str | None = strawberry.field(description="The meta description.")
    in_language: str | None = strawberry.field(description="Language tag.")


JsonLdNode = Annotated[
    JsonLdArticle
    | JsonLdPerson
    | JsonLdOrganization
    | JsonLdBreadcrumbList
    | JsonLdWebSite
    | JsonLdWebPage,
    strawberry.union("JsonLdNode", description="One typed node of a page's JSON-LD @graph."),
]


def convert(thing: ld.LdThing) -> JsonLdNode:
    if isinstance(thing, ld.LdArticle):
        return JsonLdArticle(
            type=thing.type,
            headline=thing.headline,
            description=thing.description,
            url=thing.url,
            main_entity_of_page=thing.main_entity_of_page,
            date_published=thing.date_published,
            date_modified=thing.date_modified,
            author=[JsonLdPerson.of(p) for p in thing.authors],
            images=[JsonLdImageObject.of(i) for i in thing.images],
            publisher=JsonLdOrganization.of(thing.publisher),
            in_language=thing.in_language,
            article_section=thing.article_section,
            keywords=thing.keywords,
        )
    if isinstance(thing, ld.LdPerson):
        return JsonLdPerson.of(thing)
    if isinstance(thing, ld.LdOrganization):
        return JsonLdOrganization.of(thing)
    if isinstance(thing, ld.LdBreadcrumbList):
        items = [JsonLdListItem(position=i.position, name=i.name, item=i.item) for i in thing.items]
        return JsonLdBreadcrumbList(type="BreadcrumbList", item_list_element=items)
    if isinstance(thing, ld.LdWebSite):
        return JsonLdWebSite(
            type="WebSite",
            name=thing.name,
            url=thing.url,
            description=thing.description,
            in_language=thing.in_language,
            publisher=JsonLdOrganization.of(thing.publisher),
        )
    return JsonLdWebPage(
        type=thing.type,
        name=thing.name,
        url=thing.url,
        description=thing.description,
        in_language=thing.in_language,
    )
