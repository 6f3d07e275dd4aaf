// The document head from the API's `seo` field: what a server-side renderer would put in <head>,
// kept in sync on every client-side navigation.

const MANAGED = "data-seo";

function element(tag, attributes) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  node.setAttribute(MANAGED, "");
  document.head.appendChild(node);
  return node;
}

function meta(attribute, key, content) {
  if (content !== null && content !== undefined && content !== "") {
    element("meta", { [attribute]: key, content: String(content) });
  }
}

export function applySeo(seo, fallbackTitle) {
  for (const node of document.head.querySelectorAll(`[${MANAGED}]`)) node.remove();
  document.title = (seo && seo.title) || fallbackTitle;
  const description = document.head.querySelector('meta[name="description"]');
  description.setAttribute("content", (seo && seo.description) || "");
  if (!seo) {
    meta("name", "robots", "noindex");
    return;
  }
  meta("name", "robots", seo.robots);
  if (seo.canonicalUrl) element("link", { rel: "canonical", href: seo.canonicalUrl });
  for (const alternate of seo.alternates || []) {
    element("link", { rel: "alternate", hreflang: alternate.hreflang, href: alternate.url });
  }
  for (const feed of seo.feeds || []) {
    element("link", { rel: "alternate", type: feed.type, title: feed.title, href: feed.url });
  }
  const og = seo.openGraph;
  if (og) {
    meta("property", "og:title", og.title);
    meta("property", "og:description", og.description);
    meta("property", "og:type", og.type);
    meta("property", "og:url", og.url);
    meta("property", "og:site_name", og.siteName);
    meta("property", "og:locale", og.locale);
    if (og.image) {
      meta("property", "og:image", og.image.url);
      meta("property", "og:image:width", og.image.width);
      meta("property", "og:image:height", og.image.height);
      meta("property", "og:image:alt", og.image.alt);
    }
    meta("property", "article:published_time", og.publishedTime);
    meta("property", "article:modified_time", og.modifiedTime);
    meta("property", "article:section", og.section);
    for (const author of og.authors || []) meta("property", "article:author", author);
    for (const tag of og.tags || []) meta("property", "article:tag", tag);
  }
  const twitter = seo.twitter;
  if (twitter) {
    meta("name", "twitter:card", twitter.card);
    meta("name", "twitter:site", twitter.site);
    meta("name", "twitter:creator", twitter.creator);
    meta("name", "twitter:title", twitter.title);
    meta("name", "twitter:description", twitter.description);
    if (twitter.image) meta("name", "twitter:image", twitter.image.url || twitter.image);
  }
  if (seo.jsonLdScript) {
    // textContent, not innerHTML: the JSON is data, never markup.
    element("script", { type: "application/ld+json" }).textContent = seo.jsonLdScript;
  }
}
