"""Deployment files, checked statically (Docker does not run here), and the generated
configuration reference."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import yaml

from gateway.config.docs import DOC_PATH, render_configuration
from gateway.config.settings import Settings
from tests.ops_support import CLI

ROOT = Path(__file__).resolve().parents[2]
SETTING_NAMES = {f"GATEWAY_{name.upper()}" for name in Settings.model_fields}


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def command_of(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_compose_runs_migrations_before_several_workers() -> None:
    services = compose()["services"]
    assert {"gateway", "migrate", "postgres", "redis"} <= set(services)

    gateway = services["gateway"]
    command = command_of(gateway)
    assert command[:2] == ["content-gateway", "serve"]
    assert int(command[command.index("--workers") + 1]) >= 2
    assert command[command.index("--bind") + 1].endswith(":8000")
    assert gateway["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert gateway["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert gateway["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(gateway["healthcheck"]["test"])
    grace = int(command[command.index("--graceful-timeout") + 1])
    assert int(gateway["stop_grace_period"].rstrip("s")) > grace

    migrate = services["migrate"]
    assert command_of(migrate) == ["content-gateway", "migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["restart"] == "no"
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name


def test_compose_environment_uses_real_settings_and_services() -> None:
    services = compose()["services"]
    env = services["gateway"]["environment"]
    assert env == services["migrate"]["environment"]
    unknown = {k for k in env if k.startswith("GATEWAY_")} - SETTING_NAMES
    assert not unknown, f"not settings: {unknown}"
    assert env["GATEWAY_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in env["GATEWAY_DATABASE_URL"]
    assert env["GATEWAY_REDIS_URL"].startswith("redis://redis:6379")
    # Each value is accepted by the Settings validators (compose variables at their defaults).
    values = {
        k.removeprefix("GATEWAY_").lower(): re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", v)
        for k, v in env.items()
    }
    Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings kwarg


def test_dockerfile_is_multi_stage_slim_non_root_with_healthcheck() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    stages = [line for line in lines if line.startswith("FROM ")]
    assert len(stages) >= 2
    assert all("-slim" in stage for stage in stages)
    final = lines[lines.index(stages[-1]) :]
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(line.startswith("COPY --from=") for line in final)
    assert any(line.startswith("HEALTHCHECK ") and "/healthz" in line for line in final)
    cmd = next(line for line in final if line.startswith("CMD "))
    assert '"content-gateway", "serve"' in cmd and '"--workers"' in cmd
    # Every path the build copies from the context exists and is not ignored.
    ignored = (ROOT / ".dockerignore").read_text().split()
    for line in lines:
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
                assert source not in ignored, source


def test_systemd_unit_drains_gracefully() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    unit.read_string((ROOT / "docs/deploy/content-gateway.service").read_text())
    service = unit["Service"]
    start = shlex.split(service["ExecStart"])
    assert start[1:3] == ["serve", "--bind"]
    assert "--workers" in start
    assert shlex.split(service["ExecStartPre"])[1] == "migrate"
    assert service["KillMode"] == "mixed"
    grace = float(start[start.index("--graceful-timeout") + 1])
    assert float(service["TimeoutStopSec"]) > grace
    assert service["User"] != "root"


def test_configuration_reference_is_up_to_date() -> None:
    committed = (ROOT / DOC_PATH).read_text()
    assert committed == render_configuration(), (
        f"{DOC_PATH} is out of date: run content-gateway config-docs -o {DOC_PATH}"
    )
    for name in SETTING_NAMES:
        assert f"`{name}`" in committed


def test_configuration_reference_lists_type_default_and_description() -> None:
    text = render_configuration()
    assert "| `GATEWAY_DB_POOL_SIZE` | int (>= 1, <= 500) | `10` |" in text
    assert "| `GATEWAY_REDIS_URL` | str (optional) | unset |" in text
    assert "| `GATEWAY_LOG_FORMAT` | `auto` \\| `json` \\| `console` | `auto` |" in text
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} has no description"


def test_config_docs_command_checks_and_writes(tmp_path: Path) -> None:
    target = tmp_path / "configuration.md"
    stale = subprocess.run(
        [CLI, "config-docs", "--check", "-o", str(target)], capture_output=True, text=True
    )
    assert stale.returncode == 1
    assert "out of date" in stale.stderr
    subprocess.run([CLI, "config-docs", "-o", str(target)], check=True, capture_output=True)
    assert target.read_text() == render_configuration()
