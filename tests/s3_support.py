"""A real S3-compatible server for media tests: moto's server mode (``python -m moto.server``)
in a subprocess on 127.0.0.1 and a free port, spoken to over HTTP like any S3 service."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

from resolvers.media.s3 import S3Storage
from tests.live_server import free_port
from tests.process_support import Output, spawn, stop

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

REGION = "us-east-1"
# moto accepts any credentials; these are recognisable, so a test can prove none leaks.
ACCESS_KEY_ID = "media-test-key-id"
SECRET_ACCESS_KEY = "media-test-secret-Zq81-do-not-print"


@dataclass
class MotoServer:
    workdir: Path
    port: int = 0
    output: Output | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        self.port = free_port()
        # -W error: the server process holds itself to the suite's rule (no warnings at all).
        args = [sys.executable, "-W", "error", "-m", "moto.server"]
        args += ["-H", "127.0.0.1", "-p", str(self.port)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.output = spawn(args, env, self.workdir)
        self.output.wait_for(f"Running on {self.url}", timeout=30)
        return self

    def stop(self) -> None:
        if self.output is not None:
            stop(self.output)

    def client(self) -> S3Client:
        """A plain boto3 client of the server, to look at what the back end stored."""
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(connect_timeout=5, read_timeout=5, retries={"total_max_attempts": 1}),
        )

    def new_bucket(self) -> str:
        name = f"media-{uuid.uuid4().hex[:12]}"
        client = self.client()
        try:
            client.create_bucket(Bucket=name)
        finally:
            client.close()
        return name

    def storage(
        self,
        bucket: str,
        prefix: str = "",
        *,
        url: str | None = None,
        timeout: float = 2.0,
        max_attempts: int = 2,
    ) -> S3Storage:
        """An ``S3Storage`` on this server (or on ``url``, a proxy in front of it), with short
        timeouts so that fault tests fail fast."""
        return S3Storage(
            url or self.url,
            bucket,
            REGION,
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            prefix,
            timeout=timeout,
            max_attempts=max_attempts,
        )


@pytest.fixture(scope="session", name="moto_server")
def moto_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One moto server for the session; tests isolate themselves by bucket."""
    server = MotoServer(tmp_path_factory.mktemp("moto")).start()
    try:
        yield server
    finally:
        server.stop()
