"""The runtime: app factory, settings, HTTP endpoint, CLI."""
