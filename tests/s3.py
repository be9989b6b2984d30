"""A real S3 API for the tests: moto's server mode in a subprocess on 127.0.0.1.

``s3_storage`` gives a test its own empty bucket and points ``STORAGES["default"]`` at it with
the same options as ``DJANGO_S3_*`` would (sportloket/settings/base.py); ``s3_storage.env``
holds those variables for processes the test starts itself. No boto client is mocked: the app
and the test talk HTTP to the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"  # noqa: S105 - moto accepts any credentials
REGION = "eu-west-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class S3Bucket:
    endpoint_url: str
    bucket: str
    client: object = field(repr=False)

    @property
    def env(self) -> dict[str, str]:
        """The documented variables that point a process's default storage at this bucket."""
        return {
            "DJANGO_S3_BUCKET": self.bucket,
            "DJANGO_S3_ENDPOINT_URL": self.endpoint_url,
            "DJANGO_S3_REGION": REGION,
            "DJANGO_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "DJANGO_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    @property
    def storages_setting(self) -> dict:
        return {
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": self.bucket,
                    "endpoint_url": self.endpoint_url,
                    "region_name": REGION,
                    "access_key": ACCESS_KEY,
                    "secret_key": SECRET_KEY,
                    "default_acl": "private",
                    "querystring_auth": True,
                    "file_overwrite": False,
                    "signature_version": "s3v4",
                },
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }

    def keys(self) -> list[str]:
        """The object keys in the bucket, listed through the S3 API."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()


def s3_client(endpoint_url: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[str]:
    """Start ``python -m moto.server`` once per session; yield its endpoint URL."""
    port = free_port()
    log_path = Path(tmp_path_factory.mktemp("moto")) / "moto.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            pytest.fail("moto server exited:\n" + log_path.read_text())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("moto server did not listen within 120 s:\n" + log_path.read_text())
            time.sleep(0.2)
    yield endpoint
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def s3_bucket(s3_server) -> S3Bucket:
    """A new, empty bucket on the moto server (not wired into the settings)."""
    client = s3_client(s3_server)
    bucket = f"sl-test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return S3Bucket(endpoint_url=s3_server, bucket=bucket, client=client)


@pytest.fixture
def s3_storage(s3_bucket, settings) -> S3Bucket:
    """The default storage of this test is a fresh bucket on the moto S3 server."""
    settings.STORAGES = s3_bucket.storages_setting
    return s3_bucket
