// The demo SPA: a home page with cursor pagination, and every other path resolved by the API's
// `route(path:)` — article, author, category and tag pages, redirects to canonical paths, 404s.
// The app is mounted at /demo, so the site path /articles/x is shown at /demo/articles/x.

import { GraphQLRequestError, run } from "./api.js";
import { applySeo } from "./head.js";

const BASE = "/demo";
const PAGE_SIZE = 5;
const MAX_REDIRECTS = 5;
const app = document.getElementById("app");

// ---- small DOM helpers (text goes in as text, never as markup) ----

function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const link = (sitePath, text, attributes = {}) => h("a", { href: BASE + sitePath, ...attributes }, text);

function date(iso) {
  return iso ? new Date(iso).toLocaleDateString("en", { dateStyle: "medium" }) : "";
}

function show(...nodes) {
  app.replaceChildren(...nodes);
  app.setAttribute("aria-busy", "false");
  window.scrollTo(0, 0);
}

// ---- paths ----

function sitePath() {
  return window.location.pathname.slice(BASE.length) || "/";
}

// A redirect's location may be a path or an absolute URL on the site: both are routed in-app.
function locationPath(location) {
  const url = new URL(location, window.location.origin);
  return url.pathname + url.search;
}

// ---- views ----

function teaser(article) {
  return h(
    "li",
    { class: "teaser" },
    h("h2", {}, link(article.path, article.title)),
    h(
      "p",
      { class: "meta" },
      article.author ? link(article.author.path, article.author.name) : null,
      article.publishedAt ? ` · ${date(article.publishedAt)}` : "",
      article.readingTimeMinutes ? ` · ${article.readingTimeMinutes} min read` : "",
    ),
    article.excerpt ? h("p", {}, article.excerpt) : null,
  );
}

async function homePage(params) {
  const variables = params.has("before")
    ? { last: PAGE_SIZE, before: params.get("before") }
    : { first: PAGE_SIZE, after: params.get("after") || undefined };
  const { articles, site } = await run("01-home-page.graphql", variables);
  applySeo(site ? site.seo : null, "Latest articles");
  const info = articles.pageInfo;
  const pager = h(
    "nav",
    { class: "pager", "aria-label": "Pagination" },
    info.hasPreviousPage
      ? h("a", { href: `${BASE}/?before=${encodeURIComponent(info.startCursor)}`, rel: "prev" }, "← Newer")
      : null,
    info.hasNextPage
      ? h("a", { href: `${BASE}/?after=${encodeURIComponent(info.endCursor)}`, rel: "next" }, "Older →")
      : null,
  );
  show(
    h("h1", {}, "Latest articles"),
    h("p", { class: "meta" }, `${articles.totalCount} articles`),
    h("ol", { class: "teasers" }, articles.edges.map((edge) => teaser(edge.node))),
    pager,
  );
}

// A responsive <img> from an Image (see docs/clients.md): srcset/sizes let the browser pick a
// rendition, width/height reserve the space, and the blur placeholder on the dominant colour
// fills it until the image arrives. External images have no srcSet/placeholder: plain <img>.
function responsiveImage(image, { eager = false } = {}) {
  const placeholder = image.placeholder ? `url("${image.placeholder}") center / cover no-repeat` : "";
  const img = h("img", {
    src: image.url,
    srcset: image.srcSet,
    sizes: image.sizes,
    width: image.width,
    height: image.height,
    alt: image.alt || "",
    loading: eager ? "eager" : "lazy",
    fetchpriority: eager ? "high" : null, // the feature image is usually the LCP element
    decoding: "async",
    style: image.dominantColor ? `background: ${image.dominantColor} ${placeholder}` : null,
  });
  img.addEventListener("load", () => img.style.removeProperty("background"), { once: true });
  return img;
}

function articlePage(article) {
  applySeo(article.seo, article.title);
  const body = h("div", { class: "body" });
  // The gateway stores bodies sanitised (nh3): HTML it serves is safe to render as HTML.
  body.innerHTML = article.body;
  show(
    h(
      "article",
      {},
      h("h1", {}, article.title),
      h(
        "p",
        { class: "meta" },
        "By ",
        article.authors.flatMap((a, i) => [i ? ", " : "", link(a.path, a.name, { rel: "author" })]),
        ` · ${date(article.publishedAt)} · ${article.readingTimeMinutes} min read`,
      ),
      article.featureImage ? responsiveImage(article.featureImage, { eager: true }) : null,
      body,
      h(
        "p",
        { class: "terms" },
        [...article.categories, ...article.tags].map((t) => link(t.path, t.name, { class: "term" })),
      ),
    ),
  );
}

function articleList(connection, more) {
  const list = h("ol", { class: "teasers" }, connection.nodes.map(teaser));
  const button = h("button", { type: "button", class: "more" }, "More articles");
  let pageInfo = connection.pageInfo;
  button.hidden = !pageInfo.hasNextPage;
  button.addEventListener("click", async () => {
    button.disabled = true;
    const next = await more(pageInfo.endCursor);
    list.append(...next.nodes.map(teaser));
    pageInfo = next.pageInfo;
    button.hidden = !pageInfo.hasNextPage;
    button.disabled = false;
  });
  return [list, button];
}

function authorPage(author) {
  applySeo(author.seo, author.name);
  const bio = h("div", { class: "bio" });
  bio.innerHTML = author.bio || ""; // sanitised HTML, as article bodies
  const more = async (after) =>
    (await run("03-author-page.graphql", { slug: author.slug, first: PAGE_SIZE, after })).author.articles;
  show(
    h(
      "section",
      { class: "author" },
      author.avatar ? h("img", { src: author.avatar.url, alt: author.avatar.alt || "", class: "avatar" }) : null,
      h("h1", {}, author.name),
      bio,
      h("p", { class: "meta" }, `${author.articles.totalCount} articles`),
      ...articleList(author.articles, more),
    ),
  );
}

function termPage(term) {
  applySeo(term.seo, term.name);
  show(
    h(
      "section",
      {},
      h("h1", {}, term.name),
      term.description ? h("p", {}, term.description) : null,
      h("ol", { class: "teasers" }, term.articles.nodes.map(teaser)),
    ),
  );
}

function notFoundPage(path, gone = false) {
  applySeo(null, gone ? "Gone" : "Page not found");
  show(
    h(
      "section",
      { class: "not-found" },
      h("h1", {}, gone ? "This page was removed" : "Page not found"),
      h("p", {}, `Nothing lives at ${path}. `, link("/", "Back to the latest articles")),
    ),
  );
}

function errorPage(error) {
  applySeo(null, "Something went wrong");
  show(h("section", { class: "error", role: "alert" }, h("h1", {}, "Something went wrong"), h("p", {}, error.message)));
}

// ---- routing ----

async function resolve(path, hops = 0) {
  const { route } = await run("04-route.graphql", { path });
  switch (route.__typename) {
    case "Redirect": {
      if (route.statusCode === 410) return notFoundPage(path, true);
      if (hops >= MAX_REDIRECTS) throw new GraphQLRequestError(`Too many redirects from ${path}.`);
      const target = locationPath(route.location);
      // The old URL is not kept in history: like an HTTP 301, the canonical URL replaces it.
      window.history.replaceState(null, "", BASE + target);
      return resolve(target, hops + 1);
    }
    case "Article":
      return articlePage(route);
    case "Author":
      return authorPage(route);
    case "Category":
    case "Tag":
      return termPage(route);
    case "Gone":
      return notFoundPage(path, true);
    default:
      return notFoundPage(path);
  }
}

async function render() {
  app.setAttribute("aria-busy", "true");
  const path = sitePath();
  try {
    if (path === "/") await homePage(new URLSearchParams(window.location.search));
    else await resolve(path);
  } catch (error) {
    errorPage(error);
  }
}

// Same-origin links under /demo/ navigate in-app; everything else is a normal link.
document.addEventListener("click", (event) => {
  const anchor = event.target.closest("a");
  if (!anchor || anchor.hasAttribute("data-external") || event.defaultPrevented) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin || !url.pathname.startsWith(`${BASE}/`)) return;
  event.preventDefault();
  window.history.pushState(null, "", url.pathname + url.search);
  render();
});
window.addEventListener("popstate", render);
render();
