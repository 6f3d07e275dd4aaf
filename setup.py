"""Build hook (the project's metadata is in pyproject.toml): a wheel carries the Alembic
migrations and the examples as package data of ``gateway`` (``gateway/_bundled/``), so an
installed gateway can migrate, serve GraphiQL's example tabs and the demo SPA like a checkout.
No top-level ``migrations`` package is installed."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("migrations", "examples")
# Generated codegen output (git-ignored in examples/codegen) is not part of the examples.
SKIPPED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "node_modules", ".*", "gql", "__generated__", "persisted-queries.json"
)


class BuildWithBundledFiles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout
            return
        for name in BUNDLED:
            target = Path(self.build_lib, "gateway", "_bundled", name)
            shutil.copytree(ROOT / name, target, ignore=SKIPPED, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithBundledFiles})
