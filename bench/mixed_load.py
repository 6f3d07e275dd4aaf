"""The mixed workload's reads: which requests, how a correct answer looks, and the load generators
(a wrk Lua script choosing requests by weight, or ``bench.loadgen --mix-file``).

90% of the reads (``hot_share``) repeat a small hot set (the home page, and the article page and
route of the newest articles): response-cache hits except right after a write purged them. The
rest are distinct: an article or a route lookup of a random public article of the whole dataset,
mostly cache misses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.load import RunResult, drive_wrk, lua_string, run_python_raw
from bench.operations import ARTICLE_QUERY, HOME_QUERY, HttpRequest, graphql_post

ROUTE_QUERY = """query RoutePage($path: String!) {
  route(path: $path) {
    __typename
    ... on Article { id slug title publishedAt seo { title canonicalUrl } }
  }
}"""

# A read is correct when it answers 200 with a body that starts with DATA_PREFIX and contains
# none of BAD: no errors entry (inside a JSON string a quote is escaped, so `"errors":` can only
# be a key), no missing article, no route that failed to find a public article.
DATA_PREFIX = b'{"data":{'
BAD = (
    b'"errors":',
    b'{"data":{"article":null}',
    b'"__typename":"NotFound"',
    b'"__typename":"Gone"',
    b'"__typename":"Redirect"',
)


def answer_problem(status: int, body: bytes) -> str | None:
    """Why a mixed read's answer is wrong (None when it is a plausible, error-free answer)."""
    if status != 200:
        return f"status {status}: {body[:200]!r}"
    if not body.startswith(DATA_PREFIX):
        return f"no data: {body[:200]!r}"
    for marker in BAD:
        if marker in body:
            return f"contains {marker.decode()}: {body[:200]!r}"
    return None


@dataclass(frozen=True)
class Target:
    """A public article the workload reads (and the editor may write)."""

    slug: str
    path: str


def article_read(slug: str) -> HttpRequest:
    return graphql_post(ARTICLE_QUERY, {"slug": slug})


def route_read(path: str) -> HttpRequest:
    return graphql_post(ROUTE_QUERY, {"path": path})


@dataclass(frozen=True)
class Mix:
    """The read mix: ``hot`` requests chosen ``hot_share`` of the time, else a ``distinct`` one."""

    hot: list[HttpRequest]
    distinct: list[HttpRequest]
    hot_share: float = 0.9

    @classmethod
    def build(cls, hot: list[Target], everything: list[Target], hot_share: float) -> Mix:
        # The home page weighs as much as all hot article pages, and as all hot routes.
        home = graphql_post(HOME_QUERY)
        hot_reads = [home] * len(hot)
        hot_reads += [article_read(t.slug) for t in hot] + [route_read(t.path) for t in hot]
        distinct = [article_read(t.slug) for t in everything]
        distinct += [route_read(t.path) for t in everything]
        return cls(hot_reads, distinct, hot_share)


def _lua_list(requests: list[HttpRequest]) -> str:
    return "{\n" + ",\n".join(lua_string(r.body) for r in requests) + "\n}"


def mixed_wrk_script(mix: Mix) -> str:
    """Chooses each request by weight; checks every answer as ``answer_problem`` does."""
    headers = "\n".join(
        f"wrk.headers[{lua_string(k.encode())}] = {lua_string(v.encode())}"
        for k, v in mix.hot[0].headers.items()
    )
    bad = ", ".join(lua_string(m) for m in BAD)
    return f"""
wrk.method = "POST"
wrk.path = "/graphql"
{headers}
local hot = {_lua_list(mix.hot)}
local distinct = {_lua_list(mix.distinct)}
local hot_share = {mix.hot_share!r}
local prefix = {lua_string(DATA_PREFIX)}
local bad = {{ {bad} }}
local threads = {{}}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
function init(args)
  failures = 0
  first_bad = ""
  math.randomseed(os.time() * 1000 + id)
end
function request()
  local list = distinct
  if math.random() < hot_share then list = hot end
  return wrk.format(nil, nil, nil, list[math.random(#list)])
end
local function wrong(status, body)
  if status ~= 200 or string.sub(body, 1, #prefix) ~= prefix then return true end
  for _, marker in ipairs(bad) do
    if string.find(body, marker, 1, true) then return true end
  end
  return false
end
function response(status, headers, body)
  if wrong(status, body) then
    failures = failures + 1
    if first_bad == "" then
      first_bad = status .. ": " .. string.gsub(string.sub(body, 1, 160), '[^%w :,{{}}]', '?')
    end
  end
end
function done(summary, latency, requests)
  local failed, why = 0, ""
  for _, t in ipairs(threads) do
    failed = failed + t:get("failures")
    if why == "" then why = t:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    '{{"requests":%d,"duration_us":%d,"socket_errors":%d,"failures":%d,"p50_us":%d,'
    .. '"p99_us":%d,"first_bad":"%s"}}',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, failed,
    latency:percentile(50), latency:percentile(99), why))
end
"""


def run_mixed_reads(
    mix: Mix,
    port: int,
    tool: str,
    *,
    duration: float,
    warmup: float,
    concurrency: int,
    workdir: Path,
    cpu: Callable[[], float],
    during: Callable[[], None],
) -> RunResult:
    """The mix through wrk, or ``bench.loadgen --mix-file`` (``tool == "python"``, one process,
    its warm-up inside its run). ``during`` is called as the measured run starts (wrk) or with
    the warm-up (Python): the editor begins writing."""
    if tool == "wrk":
        script = workdir / "mixed.lua"
        script.write_text(mixed_wrk_script(mix))
        url = f"http://127.0.0.1:{port}/graphql"
        return drive_wrk(
            script, url, duration=duration, warmup=warmup, concurrency=concurrency, cpu=cpu,
            before_measured=during,
        )  # fmt: skip
    mix_file = workdir / "mixed.json"
    raw = [
        [r.raw("127.0.0.1", port).decode("latin-1") for r in reqs]
        for reqs in (mix.hot, mix.distinct)
    ]
    spec = {"hot_share": mix.hot_share, "hot": raw[0], "distinct": raw[1]}
    spec |= {"data_prefix": DATA_PREFIX.decode(), "bad": [m.decode() for m in BAD]}
    mix_file.write_bytes(orjson.dumps(spec))
    during()
    # No app CPU per request here: the server's CPU would include the warm-up's requests.
    what = ["--mix-file", str(mix_file)]
    return run_python_raw(what, port, duration=duration, warmup=warmup, concurrency=concurrency)
