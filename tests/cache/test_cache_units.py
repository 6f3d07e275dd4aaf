"""The cache's building blocks on their own: document identity, tag bounds, the memory bound,
and the private flag."""

from __future__ import annotations

import asyncio
import gc
import warnings
from types import SimpleNamespace

import pytest

from gateway.cache.backends import CachedResponse, MemoryBackend, RedisBackend
from gateway.cache.coherence import BACKEND_TIMEOUT, NO_DEADLINE, detached, within
from gateway.cache.documents import describe
from gateway.cache.http_headers import bounded_tags, etag_matches, public_cache_control
from resolvers.cache_tags import (
    EntityChange,
    TagCollector,
    tag_value,
    tags_for_change,
    tags_for_recorded,
)
from resolvers.site import Site
from tests.support import ago, ahead


def test_normal_form_ignores_layout_but_not_strings():
    a = describe('query Q($s: String = "a  b") { article(slug: $s) { title } }')
    b = describe('# hi\nquery Q( $s : String = "a  b" ) {\n article(slug:$s) { title, } }')
    c = describe('query Q($s: String = "a b") { article(slug: $s) { title } }')
    assert a is not None and b is not None and c is not None
    assert a.normalized_hash == b.normalized_hash
    assert a.normalized_hash != c.normalized_hash  # string contents are significant
    # `. . .` is not a spread, and an unterminated string has no normal form at all.
    assert (
        describe("{ a { ...F } }").normalized_hash != describe("{ a { . . . F } }").normalized_hash
    )
    assert describe('{ a(s: "p\nq") }') is None


def test_operation_type_is_read_without_parsing():
    doc = describe(
        'query A($f: In = {x: 1}) { q } mutation B { m(input: {a: "{"}) { ok } } fragment F on T { x }'
    )
    assert doc.operation_type("A") == "query"
    assert doc.operation_type("B") == "mutation"
    assert doc.operation_type(None) is None  # two operations and no name: execution refuses
    assert describe("{ a }").operation_type(None) == "query"
    assert describe("subscription { s }").operation_type(None) == "subscription"


def test_memory_backend_stays_within_its_bound():
    async def go() -> None:
        backend = MemoryBackend(max_bytes=20_000)
        for n in range(60):
            entry = CachedResponse(b"x" * 1000, '"e"', (f"article:{n}",))
            assert await backend.store(f"k{n}", entry, 60, entry.tags, 0)
        assert backend.used <= 20_000
        assert (await backend.lookup("k0"))[0] is None  # least recently used went first
        assert (await backend.lookup("k59"))[0] is not None
        assert await backend.invalidate({"article:0"}) == 0  # its tag index went with it
        assert await backend.invalidate({"article:59"}) == 1
        huge = CachedResponse(b"x" * 30_000, '"e"', ())
        await backend.store("huge", huge, 60, (), 0)
        assert (await backend.lookup("huge"))[0] is None
        assert (await backend.lookup("k58"))[0] is not None  # not evicted for it

    asyncio.run(go())


def test_bounded_tags_fall_back_by_type():
    tags = {f"article:{n}" for n in range(100)} | {"author:1", "list:article", "tag-slug:x"}
    assert bounded_tags(tags, 4000) == tuple(sorted(tags))
    small = bounded_tags(tags, 60)
    assert small == ("author:1", "list:article", "skipped:article", "tag-slug:x")
    tiny = bounded_tags(tags | {f"list:article:author:{n}" for n in range(50)}, 40)
    assert "list:article" in tiny and len(" ".join(tiny)) <= 60


def test_every_change_purges_its_type_fallback_and_slugs():
    tags = tags_for_change(EntityChange("article", 4, ("old", "new"), (("author", 2),)))
    assert tags == {
        "article:4",
        "list:article",
        "skipped:article",
        "article-slug:old",
        "article-slug:new",
        "list:article:author:2",
    }
    assert "list:article:tag:9" in tags_for_change(EntityChange("tag", 9, ("t",)))


def test_non_public_rows_make_a_response_private():
    now = ago(seconds=0)
    tags = TagCollector()
    tags.articles([SimpleNamespace(id=1, status="published", published_at=ago(days=1))], now)
    assert not tags.private
    tags.articles([SimpleNamespace(id=2, status="published", published_at=ahead(days=1))], now)
    assert tags.private
    draft = TagCollector()
    draft.articles([SimpleNamespace(id=3, status="draft", published_at=None)], now)
    assert draft.private and draft.tags == {"article:3"}


def test_cache_control_and_etag_helpers():
    assert public_cache_control(30, 60, 15) == (
        "public, max-age=30, s-maxage=60, stale-while-revalidate=15"
    )
    assert public_cache_control(30, 60, 15, cap_seconds=45.7) == (
        "public, max-age=30, s-maxage=45, stale-while-revalidate=0"
    )
    assert public_cache_control(30, 60, 15, cap_seconds=-3) == (
        "public, max-age=0, s-maxage=0, stale-while-revalidate=0"
    )
    assert etag_matches('W/"a", "b"', '"b"') and not etag_matches('"a"', '"b"')


def test_recorded_write_changes_map_to_tags():
    site = Site(article_path="/blog/{slug}.html")
    renamed = SimpleNamespace(
        entity="article",
        entity_id=7,
        paths_before=("/blog/old.html",),
        paths_after=("/de/blog/neu.html",),
        related=(("author", 2), ("tag", 5)),
    )
    assert tags_for_recorded(renamed, site) == {
        "article:7",
        "list:article",
        "skipped:article",
        "article-slug:old",
        "article-slug:neu",
        "list:article:author:2",
        "list:article:tag:5",
        "path:/blog/old.html",
        "path:/de/blog/neu.html",
        "skipped:path",
    }
    redirect = SimpleNamespace(
        entity="redirect", entity_id=3, paths_before=("/x",), paths_after=("/x",), related=()
    )
    assert tags_for_recorded(redirect, site) == {
        "redirect:3",
        "list:redirect",
        "skipped:redirect",
        "path:/x",
        "skipped:path",
    }
    reassigned = SimpleNamespace(
        entity="author", entity_id=4, paths_before=(), paths_after=(), related=(("author", 9),)
    )
    assert {"author:4", "list:article:author:4", "list:article:author:9"} <= tags_for_recorded(
        reassigned, site
    )


def test_tag_values_are_header_safe_and_short():
    assert tag_value("/articles/hello") == "/articles/hello"
    assert tag_value("/caf\u00e9 x,y") == "/caf%C3%A9%20x%2Cy"
    assert tag_value("/a\r\nSet-Cookie: x") == "/a%0D%0ASet-Cookie:%20x"
    long = tag_value("/" + "x" * 500)
    assert long.startswith("#") and len(long) == 33
    assert long == tag_value("/" + "x" * 500)  # readers and writers agree
    tags = TagCollector()
    tags.missing("article", slug="\u00fcber")
    tags.path("/\u00fcber")
    assert tags.tags == {"article-slug:%C3%BCber", "path:/%C3%BCber"}
    assert all(t.isascii() and " " not in t and "," not in t for t in tags.tags)


async def test_only_a_remote_backend_gets_a_deadline():
    """An in-process backend never waits, so its calls run without a timer; Redis's calls run
    under BACKEND_TIMEOUT (a frozen Redis must not hold a request)."""
    memory = MemoryBackend(max_bytes=1_000)
    assert within(memory) is NO_DEADLINE
    async with within(memory):
        assert await memory.lookup("k") == (None, 0)
    redis = RedisBackend(SimpleNamespace(register_script=lambda _script: None), "p:")
    deadline = within(redis)
    assert isinstance(deadline, asyncio.Timeout)
    async with deadline:
        loop = asyncio.get_running_loop()
        assert deadline.when() == pytest.approx(loop.time() + BACKEND_TIMEOUT, abs=0.5)


async def test_detached_work_cancelled_before_it_starts_leaves_no_unawaited_coroutine():
    # The app's shutdown can cancel the purge loop in the tick where it has just handed its
    # SQL to a detached task (CI saw "coroutine 'purges_after' was never awaited"): the work
    # is only called once that task runs, so nothing is created that nobody awaits.
    started: list[str] = []

    async def work() -> str:
        started.append("work")
        return "done"

    async def caller() -> str:
        return await detached(work)

    task = asyncio.create_task(caller())
    await asyncio.sleep(0)  # the caller runs up to awaiting its detached task, not yet started
    task.cancel()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a never-awaited coroutine would warn when collected
        with pytest.raises(asyncio.CancelledError):
            await task
        gc.collect()
    assert started == []
    assert await detached(work) == "done" and started == ["work"]
