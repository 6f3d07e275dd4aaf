"""A generated WordPress export (WXR 1.2) of N posts, written as a stream (flat memory).

Deterministic for a seed: authors, nested categories, tags, an attachment per ten posts used as
featured image, Gutenberg and classic bodies of realistic length, Yoast meta on a third of the
posts, statuses mixed like a real blog (mostly published, some drafts, private, trash).

``python -m bench.wxr OUT.xml --posts 10000`` writes one.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

WORDS = [
    "content",
    "gateway",
    "graphql",
    "article",
    "author",
    "schema",
    "cache",
    "redirect",
    "sitemap",
    "feed",
    "query",
    "index",
    "search",
    "engine",
    "migration",
    "import",
    "export",
    "wordpress",
    "ghost",
    "markdown",
    "editor",
    "publish",
    "draft",
    "page",
    "permalink",
    "category",
    "tag",
    "slug",
    "locale",
    "translation",
    "image",
    "caption",
    "excerpt",
    "server",
    "latency",
]
STATUSES = ["publish"] * 17 + ["draft", "private", "trash"]
HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Generated Blog</title><link>https://big.example.com</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://big.example.com</wp:base_site_url>
"""


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _body(rng: random.Random, gutenberg: bool) -> str:
    paragraphs = [" ".join(_sentence(rng, rng.randint(8, 20)) for _ in range(4)) for _ in range(5)]
    if gutenberg:
        return "\n\n".join(
            f"<!-- wp:paragraph -->\n<p>{p}</p>\n<!-- /wp:paragraph -->" for p in paragraphs
        )
    return "\n\n".join(paragraphs)


def _meta(key: str, value: str) -> str:
    return f"<wp:postmeta><wp:meta_key>{key}</wp:meta_key><wp:meta_value>{_cdata(value)}</wp:meta_value></wp:postmeta>"


def _channel(rng: random.Random, authors: int, categories: int, tags: int) -> Iterator[str]:
    for i in range(1, authors + 1):
        yield (
            f"<wp:author><wp:author_id>{i}</wp:author_id><wp:author_login>user{i}</wp:author_login>"
            f"<wp:author_email>user{i}@big.example.com</wp:author_email>"
            f"<wp:author_display_name>{_cdata(f'Writer Number {i}')}</wp:author_display_name>"
            "</wp:author>\n"
        )
    for i in range(1, categories + 1):
        parent = f"cat-{(i - 1) // 5}" if i > 5 else ""
        yield (
            f"<wp:category><wp:term_id>{i}</wp:term_id><wp:category_nicename>cat-{i}"
            f"</wp:category_nicename><wp:category_parent>{parent}</wp:category_parent>"
            f"<wp:cat_name>{_cdata(f'Category {i}')}</wp:cat_name></wp:category>\n"
        )
    for i in range(1, tags + 1):
        yield (
            f"<wp:tag><wp:term_id>{1000 + i}</wp:term_id><wp:tag_slug>tag-{i}</wp:tag_slug>"
            f"<wp:tag_name>{_cdata(f'Tag {i}')}</wp:tag_name></wp:tag>\n"
        )


def _post(rng: random.Random, post_id: int, authors: int, categories: int, tags: int) -> str:
    year, month, day = 2015 + post_id % 10, 1 + post_id % 12, 1 + post_id % 28
    date = f"{year}-{month:02d}-{day:02d} {post_id % 24:02d}:00:00"
    slug = f"post-{post_id}-{rng.choice(WORDS)}"
    title = _sentence(rng, rng.randint(4, 9)).rstrip(".")
    cats = sorted({rng.randint(1, categories) for _ in range(rng.randint(1, 2))})
    tag_ids = sorted({rng.randint(1, tags) for _ in range(rng.randint(0, 4))})
    terms = "".join(
        f'<category domain="category" nicename="cat-{c}">{_cdata(f"Category {c}")}</category>'
        for c in cats
    ) + "".join(
        f'<category domain="post_tag" nicename="tag-{t}">{_cdata(f"Tag {t}")}</category>'
        for t in tag_ids
    )
    meta = _meta("_thumbnail_id", str(900_000 + post_id // 10)) if post_id % 10 == 0 else ""
    if post_id % 3 == 0:
        meta += _meta("_yoast_wpseo_title", "%%title%% %%sep%% %%sitename%%")
        meta += _meta("_yoast_wpseo_metadesc", _sentence(rng, 18))
    return (
        f"<item><title>{escape(title)}</title>"
        f"<link>https://big.example.com/{year}/{month:02d}/{slug}/</link>"
        f"<dc:creator>user{rng.randint(1, authors)}</dc:creator>"
        f"<content:encoded>{_cdata(_body(rng, post_id % 2 == 0))}</content:encoded>"
        f"<excerpt:encoded>{_cdata('')}</excerpt:encoded>"
        f"<wp:post_id>{post_id}</wp:post_id><wp:post_date>{date}</wp:post_date>"
        f"<wp:post_date_gmt>{date}</wp:post_date_gmt><wp:post_name>{slug}</wp:post_name>"
        f"<wp:status>{rng.choice(STATUSES)}</wp:status><wp:post_type>post</wp:post_type>"
        f"{terms}{meta}</item>\n"
    )


def _attachment(attachment_id: int) -> str:
    url = f"https://big.example.com/wp-content/uploads/{attachment_id}.jpg"
    info = 'a:2:{s:5:"width";i:1200;s:6:"height";i:675;}'
    return (
        f"<item><title>image {attachment_id}</title><wp:post_id>{attachment_id}</wp:post_id>"
        f"<wp:status>inherit</wp:status><wp:post_type>attachment</wp:post_type>"
        f"<wp:attachment_url>{url}</wp:attachment_url>"
        f"{_meta('_wp_attachment_metadata', info)}{_meta('_wp_attachment_image_alt', 'Photo')}"
        "</item>\n"
    )


def write_wxr(out: IO[str], posts: int, *, seed: int = 1, authors: int = 50,
              categories: int = 40, tags: int = 300) -> None:  # fmt: skip
    rng = random.Random(seed)
    out.write(HEADER)
    for chunk in _channel(rng, authors, categories, tags):
        out.write(chunk)
    for post_id in range(1, posts + 1):
        if post_id % 10 == 0:
            out.write(_attachment(900_000 + post_id // 10))
        out.write(_post(rng, post_id, authors, categories, tags))
    out.write("</channel>\n</rss>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with args.out.open("w", encoding="utf-8") as handle:
        write_wxr(handle, args.posts, seed=args.seed)


if __name__ == "__main__":
    main()
