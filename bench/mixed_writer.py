"""The mixed workload's editor: ``updateArticle`` through GraphQL with a real editor token, at a
fixed rate, from a thread of the harness (not the load generator), and the "no stale answer" check.

Each write: read the article anonymously with the exact request the load generator sends (so its
answer is in the response cache), read its id and version as the editor, change the title, then
read it anonymously again, by slug and by route: both must show the new title at once (the
write's purge runs before its response is sent).
"""

from __future__ import annotations

import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import orjson

from bench.load import percentile
from bench.mixed_load import Target, answer_problem, article_read, route_read
from bench.operations import HttpRequest, graphql_post
from bench.servers import send

EDITOR_READ = """query EditorArticle($slug: String!) {
  article(slug: $slug) { id version title }
}"""

UPDATE = """mutation EditTitle($input: UpdateArticleInput!) {
  updateArticle(input: $input) {
    __typename
    ... on ArticleSaved { article { title version } }
  }
}"""

EDIT_SUFFIX = re.compile(r" \(edit \d+\)$")


@dataclass
class WriteStats:
    """What the editor did during the measured window."""

    attempted: int = 0
    ok: int = 0
    failed: int = 0
    latencies_ms: list[float] = field(default_factory=list)  # the mutation's round trip
    checked: int = 0  # acknowledged writes read back anonymously (by slug and by route)
    stale: int = 0  # reads after an acknowledged write that still showed the old title
    late: int = 0  # ticks skipped: MAX_IN_FLIGHT writes were still running
    problems: list[str] = field(default_factory=list)

    def note(self, problem: str) -> None:
        if len(self.problems) < 5:
            self.problems.append(problem)

    @property
    def p50_ms(self) -> float:
        return percentile(sorted(self.latencies_ms), 50)

    @property
    def p99_ms(self) -> float:
        return percentile(sorted(self.latencies_ms), 99)

    @property
    def max_ms(self) -> float:
        return max(self.latencies_ms, default=float("nan"))


class WriteFailed(Exception):
    """One write (or its read-back) went wrong; the message says how."""


class Editor(threading.Thread):
    """Starts a write ``rate`` times a second on a fixed schedule until ``stop()``, each in a
    thread of a small pool, so that a slow save does not delay the next one (up to
    ``MAX_IN_FLIGHT`` at once; a tick finding the pool busy is skipped and counted as late).
    Half the writes go to an article of the hot set, the others to any public article; never
    to one whose previous write is still in flight (that would be a version conflict)."""

    MAX_IN_FLIGHT = 4

    def __init__(
        self, port: int, token: str, hot: list[Target], everything: list[Target], rate: float
    ) -> None:
        super().__init__(name="bench-editor", daemon=True)
        self.port = port
        self.auth = {"Authorization": f"Bearer {token}"}
        self.hot, self.everything = hot, everything
        self.interval = 1.0 / rate
        self.rng = random.Random()
        self.stats = WriteStats()
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self._busy: set[str] = set()  # slugs being written
        self._pool = ThreadPoolExecutor(self.MAX_IN_FLIGHT, thread_name_prefix="bench-write")

    def stop(self) -> WriteStats:
        self._stop_event.set()
        self.join(timeout=60)
        self._pool.shutdown(wait=True)
        return self.stats

    def run(self) -> None:
        started = time.monotonic()
        tick = 0
        while not self._stop_event.wait(
            max(0.0, started + tick * self.interval - time.monotonic())
        ):
            tick += 1
            target = self._claim()
            if target is None:
                self.stats.late += 1
                continue
            with self._lock:
                self.stats.attempted += 1
                number = self.stats.attempted
            self._pool.submit(self._write, target, number)

    def _claim(self) -> Target | None:
        with self._lock:
            if len(self._busy) >= self.MAX_IN_FLIGHT:
                return None
            while True:
                target = self.rng.choice(self.hot if self.rng.random() < 0.5 else self.everything)
                if target.slug not in self._busy:
                    self._busy.add(target.slug)
                    return target

    def _write(self, target: Target, number: int) -> None:
        try:
            self.write_once(target, number)
        except (WriteFailed, OSError, ValueError) as exc:
            with self._lock:
                self.stats.failed += 1
                self.stats.note(str(exc))
        finally:
            with self._lock:
                self._busy.discard(target.slug)

    def _send(self, request: HttpRequest) -> tuple[int, bytes]:
        response = send(self.port, request, timeout=15)
        return response.status, response.body

    def _editor(self, query: str, variables: dict[str, object]) -> dict[str, object]:
        request = graphql_post(query, variables)
        request = HttpRequest(
            request.method, request.path, {**request.headers, **self.auth}, request.body
        )
        status, body = self._send(request)
        payload = orjson.loads(body)
        if status != 200 or "errors" in payload:
            raise WriteFailed(f"editor request answered {status}: {body[:300]!r}")
        return payload["data"]  # type: ignore[no-any-return]

    def _read_title(self, request: HttpRequest, where: str) -> str:
        status, body = self._send(request)
        problem = answer_problem(status, body)
        if problem:
            raise WriteFailed(f"anonymous read by {where}: {problem}")
        data = orjson.loads(body)["data"]
        node = data["article"] if where == "slug" else data["route"]
        return str(node["title"])

    def write_once(self, target: Target, number: int) -> None:
        by_slug, by_route = article_read(target.slug), route_read(target.path)
        self._read_title(by_slug, "slug")  # cached now (or already)
        self._read_title(by_route, "route")
        article = self._editor(EDITOR_READ, {"slug": target.slug})["article"]
        if not isinstance(article, dict):
            raise WriteFailed(f"the editor cannot read {target.slug}")
        title = EDIT_SUFFIX.sub("", str(article["title"])) + f" (edit {number})"
        edit = {"id": article["id"], "expectedVersion": article["version"], "title": title}
        began = time.perf_counter()
        saved = self._editor(UPDATE, {"input": edit})["updateArticle"]
        elapsed_ms = (time.perf_counter() - began) * 1000
        if not isinstance(saved, dict) or saved.get("__typename") != "ArticleSaved":
            raise WriteFailed(f"updateArticle on {target.slug} answered {saved!r}")
        with self._lock:
            self.stats.latencies_ms.append(elapsed_ms)
            self.stats.ok += 1
        seen = {
            where: self._read_title(request, where)
            for request, where in ((by_slug, "slug"), (by_route, "route"))
        }
        with self._lock:
            self.stats.checked += 1
            for where, value in seen.items():
                if value != title:
                    self.stats.stale += 1
                    self.stats.note(f"stale read by {where} after a write: {value!r} != {title!r}")
