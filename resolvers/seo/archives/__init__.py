"""Archive pages in `route`: numbered home, category, tag and author archives and locale
archives (pages.py: paths, lookup, counts and page rows), and their SEO with rel=prev/next
(seo.py). Plain async Python over resolvers.content and resolvers.seo: no strawberry, starlette
or gateway imports."""
