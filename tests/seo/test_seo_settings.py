"""SEO settings (issue 3) are checked at start-up with one clear line each."""

from __future__ import annotations

import pytest

from gateway.config.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GATEWAY_AUTHOR_PATH", "/{category}/{slug}", "unknown placeholder category"),
        ("GATEWAY_ARTICLE_PATH", "/{section}/{slug}", "unknown placeholder section"),
        ("GATEWAY_ROBOTS_DISALLOW", '["search"]', "must start with /"),
        ("GATEWAY_ROBOTS_DISALLOW", "search,/x", "must start with /"),
        ("GATEWAY_ROBOTS_DISALLOW", '["/x"', "not a valid JSON list"),
        ("GATEWAY_SITEMAP_CHUNK_SIZE", "50001", "50000"),
        ("GATEWAY_FEED_SIZE", "0", "GATEWAY_FEED_SIZE"),
        ("GATEWAY_SEO_ARTICLE_TYPE", "Blog", "GATEWAY_SEO_ARTICLE_TYPE"),
    ],
)
def test_bad_seo_settings_are_one_clear_line(name, value, message, monkeypatch):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    text = str(info.value)
    assert text.startswith(f"invalid setting {name}:") and "\n" not in text
    assert message in text


def test_seo_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("GATEWAY_ARTICLE_PATH", "/{category}/{slug}")
    monkeypatch.setenv("GATEWAY_ROBOTS_DISALLOW", "/search, /preview")
    monkeypatch.setenv("GATEWAY_TWITTER_SITE", "@news")
    settings = load_settings(_env_file=None)
    assert settings.article_path == "/{category}/{slug}"
    assert settings.robots_disallow == ["/search", "/preview"]
    assert settings.sitemap_chunk_size == 50_000 and settings.feed_size == 20


def test_robots_disallow_takes_a_json_list_too(monkeypatch):
    monkeypatch.setenv("GATEWAY_ROBOTS_DISALLOW", '["/a", "/b,c"]')
    assert load_settings(_env_file=None).robots_disallow == ["/a", "/b,c"]
