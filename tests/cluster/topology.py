"""The cluster's shape, in one place for the cluster test (tests/cluster/run.py) and for the
docker-compose.yml generated from it (tests/cluster/compose.py): the settings every portal
process gets, and the HAProxy configuration in front of the web nodes."""

from __future__ import annotations

NODES = ("a", "b")
SERVED_BY = "X-Served-By"  # the balancer names the server that answered
NODE_HEADER = "X-Cluster-Node"  # the cluster test asks the balancer for one node by name


def portal_environment(
    *,
    portal_url: str,
    allowed_hosts: str,
    secret_key: str,
    database_url: str,
    replica_url: str,
    cache_url: str,
    s3_endpoint: str,
    s3_access_key: str,
    s3_secret_key: str,
    media_bucket: str,
    private_bucket: str,
    media_url: str,
    email_url: str,
    from_email: str,
) -> dict[str, str]:
    """The environment of every web node and task worker (portal/settings.py reads it)."""
    return {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": allowed_hosts,
        "PORTAL_URL": portal_url,
        "CSRF_TRUSTED_ORIGINS": portal_url,
        "TRUSTED_PROXY_COUNT": "1",  # HAProxy appends the client's address to X-Forwarded-For
        "DATABASE_URL": database_url,
        "DATABASE_REPLICA_URL": replica_url,
        "CACHE_URL": cache_url,
        "S3_BUCKET": media_bucket,
        "S3_PRIVATE_BUCKET": private_bucket,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": s3_access_key,
        "S3_SECRET_ACCESS_KEY": s3_secret_key,
        "S3_MEDIA_URL": media_url,
        "EMAIL_URL": email_url,
        "DEFAULT_FROM_EMAIL": from_email,
    }


def haproxy_config(
    *,
    bind: str,
    pem: str,
    servers: dict[str, str],
    stats_socket: str,
    node_by_header: bool = False,
) -> str:
    """HAProxy in front of the web nodes: TLS ends here, /readyz is checked every 0.5 s, a GET
    whose server died under it is sent to another. `node_by_header`: the cluster test may ask
    for a node by name (NODE_HEADER); not for production."""
    pick = "".join(
        f"    use-server {name} if {{ req.hdr({NODE_HEADER.lower()}) -m str {name} }}\n"
        for name in servers
        if node_by_header
    )
    lines = "".join(f"    server {name} {address}\n" for name, address in servers.items())
    checks = "check inter 500ms fastinter 250ms downinter 1s fall 2 rise 2"
    # A name that does not resolve yet (a container still starting) is not an error.
    resolve = "init-addr last,libc,none"
    return f"""\
global
    stats socket {stats_socket} mode 600 level admin
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # /readyz asks the database, Redis, S3 and the replica: give it time behind queued requests.
    # A node killed outright fails at once (connection refused), whatever this says.
    timeout check 3s
    option forwardfor
    # A request whose server died under it (connection refused or reset before an answer) goes
    # to the other node; only GET and HEAD, which are safe to send twice.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response junk-response response-timeout

frontend portal
    bind {bind} ssl crt {pem}
    http-request set-header X-Forwarded-Proto https
    http-request disable-l7-retry unless METH_GET || METH_HEAD
    default_backend web

backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server {checks} {resolve}
{pick}{lines}    http-response set-header {SERVED_BY} %s
"""
