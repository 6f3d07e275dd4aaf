"""The container files, checked statically (Docker does not run here): dependencies are
installed in a layer that code edits do not invalidate, the image migrates on start, and the
compose deployment's workers share one preview-token secret."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("gateway", "schema", "resolvers", "migrations", "examples")


def instructions() -> list[str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def build_stage() -> list[str]:
    lines = instructions()
    stages = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    return lines[stages[0] : stages[1]]


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    lines = build_stage()
    copies = [(i, line.split()[1:-1]) for i, line in enumerate(lines) if line.startswith("COPY ")]
    installs = [
        i for i, line in enumerate(lines) if line.startswith("RUN ") and "pip install" in line
    ]
    first_code = min(i for i, sources in copies if set(sources) & set(CODE_DIRS))
    dependencies = installs[0]
    assert dependencies < first_code, "code is copied before the dependencies are installed"
    # Only pyproject.toml feeds the dependency layer.
    before = [sources for i, sources in copies if i < dependencies]
    assert before == [["pyproject.toml"]]
    # Everything the wheel needs is copied before the project itself is installed.
    copied = {s for i, sources in copies for s in sources if i < installs[-1]}
    assert {*CODE_DIRS, "setup.py", "MANIFEST.in", "LICENSE", "README.md"} <= copied
    assert "--no-deps" in lines[installs[-1]]


def test_the_image_migrates_on_start() -> None:
    lines = instructions()
    cmd = next(line for line in reversed(lines) if line.startswith("CMD "))
    args = yaml.safe_load(cmd.removeprefix("CMD "))  # the exec form is a JSON list
    assert args[:2] == ["content-gateway", "serve"] and "--migrate" in args


def test_compose_workers_share_a_preview_secret() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    gateway = services["gateway"]
    command = gateway["command"]
    args = shlex.split(command) if isinstance(command, str) else list(command)
    assert int(args[args.index("--workers") + 1]) > 1
    secret = gateway["environment"]["GATEWAY_PREVIEW_SECRET"]
    # Required from the environment (.env): compose refuses to start without it, and no
    # default secret is written in the file.
    assert re.fullmatch(r"\$\{GATEWAY_PREVIEW_SECRET:\?[^}]+\}", secret), secret
