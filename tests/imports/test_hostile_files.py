"""Malformed and hostile import files: a clear error, and nothing written that should not be."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from resolvers.imports.items import ImportFileError
from resolvers.models import article_t, author_t, imported_item_t
from tests.auth_support import run_cli, snapshot
from tests.imports_support import WXR, count, event_types, run_import, wordpress

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
RSS = (
    '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
    "<wp:wxr_version>1.2</wp:wxr_version>"
    "<wp:base_site_url>https://old.example.com</wp:base_site_url>"
    "<wp:author><wp:author_login>admin</wp:author_login>"
    "<wp:author_display_name>Admin</wp:author_display_name></wp:author>"
)


def item(post_id: int, title: str, body: str = "<p>Hi</p>") -> str:
    return (
        f"<item><title>{title}</title><dc:creator>admin</dc:creator>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded>"
        f"<wp:post_id>{post_id}</wp:post_id><wp:post_name>post-{post_id}</wp:post_name>"
        "<wp:post_date_gmt>2024-01-01 10:00:00</wp:post_date_gmt>"
        "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>"
    )


BILLION_LAUGHS = (
    HEAD + '<!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(2, 10))
    + '<!ENTITY lol1 "&lol;&lol;">]>' + RSS + item(1, "&lol9;") + "</channel></rss>"
)  # fmt: skip
EXTERNAL_ENTITY = (
    HEAD + '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    + RSS + item(1, "&xxe;") + "</channel></rss>"
)  # fmt: skip


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


HOSTILE = {
    "entity-expansion": (BILLION_LAUGHS, "entity-expansion"),
    "external-entity": (EXTERNAL_ENTITY, "declares a DTD"),
    # a valid first item, then a byte sequence that is not UTF-8: nothing of the file is written
    "wrong-encoding": (
        (HEAD + RSS + item(1, "Fine") + item(2, "Caf")).encode() + b"\xe9</title></item>",
        "not in the encoding it declares",
    ),
    "huge-field": (
        HEAD + RSS + item(1, "Fine") + item(2, "Big", "x" * 11_000_000) + "</channel></rss>",
        "larger than the parser's safety limit",
    ),
    "truncated": (HEAD + RSS + item(1, "Fine") + "<item><title>Cut", "not well-formed XML"),
    "not-wordpress": (
        HEAD + "<rss><channel><item><title>x</title></item></channel></rss>",
        "not a WordPress export",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_hostile_wxr_is_refused_before_anything_is_written(db, settings, tmp_path, case):
    content, message = HOSTILE[case]
    path = _write(tmp_path, f"{case}.xml", content)
    before = await snapshot(db)
    with pytest.raises(ImportFileError) as refused:
        await run_import(db, settings, wordpress(path))
    assert message in str(refused.value)
    assert "Nothing was imported" in str(refused.value)
    assert await snapshot(db) == before
    assert await count(db, imported_item_t) == 0
    assert await event_types(db) == []


async def test_a_huge_body_below_the_parser_limit_is_refused_per_item(db, settings, tmp_path):
    big = "<p>" + "word " * 50_000 + "</p>"  # 250,000 characters: over the API's body limit
    path = _write(
        tmp_path, "big.xml", HEAD + RSS + item(1, "Fine") + item(2, "Big", big) + "</channel></rss>"
    )
    report = await run_import(db, settings, wordpress(path))
    assert report.summary()["article"] == {"created": 1, "failed": 1}
    [problem] = report.errors
    assert (problem.source_id, problem.code) == ("2", "TOO_LONG")
    assert await count(db, article_t) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"db": [{"data": {"posts": [', "is not valid JSON"),
        ('{"db": [{"data": {"posts": [{"title": "Caf\xe9"}]}}]}'.encode("latin-1"), "is not UTF-8"),
        (b'{"posts": []}', "is not a Ghost export"),
        (b'{"db": [{"data": {"posts": {"a": 1}}}]}', "`posts` is not a list of objects"),
    ],
)
async def test_broken_ghost_exports_are_refused(db, settings, tmp_path, content, message):
    path = _write(tmp_path, "ghost-v9.json", content)
    from resolvers.imports.ghost import STATUS_DEFAULTS, GhostExport

    with pytest.raises(ImportFileError) as refused:
        await run_import(db, settings, lambda: (GhostExport(path).source(), STATUS_DEFAULTS))
    assert message in str(refused.value)
    assert await count(db, author_t) == 0


async def test_the_cli_says_why_and_exits_2(database_url, tmp_path):
    path = _write(tmp_path, "lol.xml", BILLION_LAUGHS)
    code, _, err = await asyncio.to_thread(
        run_cli, database_url, "import", "wordpress", str(path), "--report", str(tmp_path / "r")
    )
    assert code == 2
    assert "lol.xml cannot be imported" in err and "entity-expansion" in err


async def test_the_cli_imports_reports_and_exits_1_when_items_were_refused(
    database_url, db, tmp_path
):
    report = tmp_path / "report.json"
    code, out, err = await asyncio.to_thread(
        run_cli, database_url, "import", "wordpress", str(WXR), "--report", str(report)
    )
    assert code == 1  # the <script> post was refused
    assert "error: post 18 (Embeds a script)" in out
    assert "article: 9 created, 1 failed, 1 skipped" in err
    import json

    written = json.loads(report.read_text())
    assert written["counts"]["article"] == {"created": 9, "failed": 1, "skipped": 1}
    assert [p["sourceId"] for p in written["problems"] if p["severity"] == "error"] == ["18"]
    assert await count(db, article_t) == 9
