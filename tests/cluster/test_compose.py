"""docker-compose.yml is the one tests/cluster/compose.py generates from the cluster test's shape,
is valid against the Compose Specification's JSON schema, and its HAProxy configuration is one
HAProxy accepts. Static checks: no Docker engine needed.

compose-spec.json is the Compose Specification's schema (github.com/compose-spec/compose-spec,
schema/compose-spec.json at 170098ba07d9f53c383a41bfd4c5166b0a4529a6, Apache-2.0), kept here so
the test needs no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.cluster import compose
from tests.cluster.run import self_signed_certificate
from tests.cluster.topology import NODES

SCHEMA = Path(__file__).with_name("compose-spec.json")


def _validator():
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))


@pytest.fixture(scope="module")
def compose_file() -> dict:
    return yaml.safe_load(compose.COMPOSE_FILE.read_text())


def test_the_compose_file_is_what_the_cluster_configuration_generates():
    assert compose.COMPOSE_FILE.read_text() == compose.render(), (
        "docker-compose.yml is out of date: run .venv/bin/python tests/cluster/compose.py"
    )


def test_the_compose_file_is_valid_against_the_compose_specification(compose_file):
    errors = [
        f"{'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in _validator().iter_errors(compose_file)
    ]

    assert errors == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda doc: doc["services"]["db"].update(image=["postgres:15"]), "services/db/image"),
        (lambda doc: doc["services"]["balancer"].update(ports="443:443"), "services/balancer"),
        (lambda doc: doc["services"]["worker"].update(depends="db"), "services/worker"),
    ],
)
def test_the_schema_check_finds_a_broken_file(compose_file, change, where):
    broken = json.loads(json.dumps(compose_file))
    change(broken)

    paths = ["/".join(str(p) for p in e.absolute_path) for e in _validator().iter_errors(broken)]

    assert any(path.startswith(where) for path in paths), paths


def test_the_compose_file_has_every_part_of_the_cluster_test(compose_file):
    services = compose_file["services"]
    web = [services[f"web-{node}"] for node in NODES]

    assert {"db", "db-replica", "redis", "s3", "worker", "balancer"} <= services.keys()
    for node in web + [services["worker"]]:
        env = node["environment"]
        assert env["DATABASE_URL"].endswith("@db:5432/portal")
        assert env["DATABASE_REPLICA_URL"].endswith("@db-replica:5432/portal")
        assert env["CACHE_URL"] == "redis://redis:6379/0"
        assert env["S3_ENDPOINT_URL"] == "http://s3:8333"
    assert services["worker"]["command"] == ["python", "manage.py", "procrastinate", "worker"]
    haproxy = compose_file["configs"]["haproxy"]["content"]
    assert [line.split()[1:3] for line in haproxy.splitlines() if "    server " in line] == [
        [node, f"web-{node}:8000"] for node in NODES
    ]
    assert "use-server" not in haproxy  # choosing a node by header is for the cluster test only


def test_haproxy_accepts_the_compose_files_configuration(compose_file, tmp_path):
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        if os.environ.get("CI"):
            pytest.fail("haproxy is required under CI (make cluster-test installs it)")
        pytest.skip("haproxy is not installed (Debian: apt-get install haproxy)")
    pem, _cert = self_signed_certificate(tmp_path)
    config = compose_file["configs"]["haproxy"]["content"]
    config = config.replace("/usr/local/etc/haproxy/tls.pem", str(pem))
    config = config.replace("/var/lib/haproxy/stats.sock", str(tmp_path / "stats.sock"))
    (tmp_path / "haproxy.cfg").write_text(config)

    checked = subprocess.run(  # noqa: S603 - our own command line
        [haproxy, "-c", "-f", str(tmp_path / "haproxy.cfg")], capture_output=True, text=True
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
