"""Revisions, review workflow and the trash: nothing an editor writes is lost.

``state``/``record`` capture an article's or author's full state in the write's own transaction
(called by ``resolvers.commands.unit_of_work``, so every write path records revisions);
``history`` reads and compares them; ``restore``, ``review`` and ``trash`` are commands;
``retention`` prunes for the worker.

May import: the ``resolvers`` top-level modules and ``resolvers.content``/``resolvers.seo``
(``state`` and ``record`` only the top-level ``models``/``changes``/``db``: ``commands`` imports
them).
"""
