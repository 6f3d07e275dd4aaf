"""``content-gateway media add``: the same checks as POST /media, from files."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from gateway.cli.main import cli
from tests.media_support import SVG_WITH_SCRIPT, asset_count, image_bytes, stored_files


async def _run(database_url: str, media_root: Path, *args: str) -> tuple[int, str, str]:
    """The real CLI, in a worker thread: it starts its own event loop."""
    env = {"GATEWAY_DATABASE_URL": database_url, "GATEWAY_MEDIA_ROOT": str(media_root)}
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["media", "add", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


async def test_media_add_files(database_url, db, tmp_path):
    root = tmp_path / "media"
    first, second = tmp_path / "a.jpg", tmp_path / "b.png"
    first.write_bytes(image_bytes(640, 480))
    second.write_bytes(image_bytes(320, 200, "PNG"))
    code, out, err = await _run(database_url, root, str(first), str(second), "--alt", "Shared alt")
    assert code == 0, err
    reports = [json.loads(line) for line in out.splitlines()]
    assert [(r["width"], r["height"], r["created"]) for r in reports] == [
        (640, 480, True),
        (320, 200, True),
    ]
    code, out, _ = await _run(database_url, root, str(first))
    assert code == 0 and json.loads(out)["created"] is False
    assert await asset_count(db) == 2
    assert len(stored_files(root)) == 2


async def test_media_add_refuses_svg_with_its_code(database_url, db, tmp_path):
    svg = tmp_path / "logo.jpg"  # the name lies
    svg.write_bytes(SVG_WITH_SCRIPT)
    code, _, err = await _run(database_url, tmp_path / "media", str(svg))
    assert code == 2
    assert "MEDIA_SVG_REFUSED" in err
    assert await asset_count(db) == 0
    assert stored_files(tmp_path / "media") == []
