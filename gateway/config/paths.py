"""Where the gateway's own files are: the Alembic migrations and the examples (GraphiQL tabs,
the demo SPA). In a checkout they are top-level folders; a built wheel carries copies of them as
package data (``gateway/_bundled/``, written by ``setup.py``), so an installed gateway works
exactly like a checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # gateway/
BUNDLED_DIR = PACKAGE_DIR / "_bundled"
CHECKOUT_DIR = PACKAGE_DIR.parent


def project_dir(name: str) -> Path:
    """``migrations`` or ``examples``: the copy in an installed wheel, else the checkout's."""
    bundled = BUNDLED_DIR / name
    return bundled if bundled.is_dir() else CHECKOUT_DIR / name
