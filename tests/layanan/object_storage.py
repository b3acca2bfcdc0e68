"""Helpers for object-storage tests: the portal's own settings, read with S3 variables set, put
in force for one test (moto's fake S3 or a real SeaweedFS server behind them)."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import boto3
from django.utils.functional import empty

from layanan.storage import private_storage

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "portal" / "settings.py"
MEDIA_BUCKET = "portal-media"
PRIVATE_BUCKET = "portal-private"


def settings_with(**variables: str) -> dict:
    """portal/settings.py as it reads with `variables` added to the environment (the real
    parsing, not a copy of it); the environment is as it was afterwards."""
    saved = os.environ.copy()
    try:
        os.environ.update(variables)
        return runpy.run_path(str(SETTINGS_FILE))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def s3_variables(
    *,
    endpoint_url: str = "",
    access_key: str,
    secret_key: str,
    media_bucket: str = MEDIA_BUCKET,
    private_bucket: str = PRIVATE_BUCKET,
) -> dict[str, str]:
    variables = {
        "S3_BUCKET": media_bucket,
        "S3_PRIVATE_BUCKET": private_bucket,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": access_key,
        "S3_SECRET_ACCESS_KEY": secret_key,
    }
    if endpoint_url:
        variables["S3_ENDPOINT_URL"] = endpoint_url
    return variables


def use_object_storage(settings, **variables: str) -> None:
    """Point this test's storages at the buckets that `variables` (s3_variables) configure."""
    configured = settings_with(**variables)
    settings.S3_BUCKET = configured["S3_BUCKET"]
    settings.PRIVATE_STORAGE_S3 = configured["PRIVATE_STORAGE_S3"]
    settings.STORAGES = {**settings.STORAGES, "default": configured["STORAGES"]["default"]}
    private_storage._wrapped = empty


def use_local_storage(settings) -> None:
    settings.S3_BUCKET = ""
    settings.PRIVATE_STORAGE_S3 = None
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    private_storage._wrapped = empty


def s3_client(*, endpoint_url: str | None = None, access_key: str, secret_key: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
    )


def object_bytes(client, bucket: str, key: str) -> bytes:
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def keys(client, bucket: str, prefix: str = "") -> list[str]:
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(entry["Key"] for entry in listed.get("Contents", ()))
