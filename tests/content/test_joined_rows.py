"""The helpers that read what a root query joined to its article rows (``with_extras``)."""

from __future__ import annotations

from collections import namedtuple

from resolvers.content.articles import all_have, joined

Extras = namedtuple("Extras", ["id", "title", "seo_id", "seo_title"])
Plain = namedtuple("Plain", ["id", "title"])


def test_all_have_checks_every_shape_of_row_not_only_the_first():
    assert all_have([Extras(1, "a", None, None), Extras(2, "b", 5, "B")], "seo_id")
    assert all_have([], "seo_id")
    assert not all_have([Extras(1, "a", None, None), Plain(2, "b")], "seo_id")
    assert not all_have([Plain(2, "b"), Extras(1, "a", None, None)], "seo_id")


def test_joined_cuts_the_prefixed_columns_out_as_a_row_of_their_own():
    seo = joined(Extras(2, "b", 5, "B"), "seo_", ("id", "title"))
    assert (seo.id, seo.title) == (5, "B")
