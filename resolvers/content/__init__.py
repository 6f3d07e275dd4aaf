"""Articles, authors, categories and tags: reads, loaders, commands, rich text and slugs.

May import: the ``resolvers`` top-level modules (models, db, access, errors, ...), ``resolvers.seo`` rules it needs.
"""
