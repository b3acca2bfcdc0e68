"""Fault bench (`make bench-faults`): the portal under load while its parts fail, one scenario
after another, and one table of what the clients saw.

    .venv/bin/python tests/bench/faults.py [--scenario redis-stopped redis-blackholed db-restart
                                            worker-kill query-flood] [--clients 50]
                                            [--seconds 30] [--at 10] [--for 10]

The production-like server of tests/bench/server.py (fresh PostgreSQL database, demo city,
gunicorn with gunicorn.conf.py and 2 workers, DEBUG=false), but with a Redis of its own
(redis-server on a free port), so that stopping it touches nothing else. wrk drives --clients
clients over the public pages of scripts/load_faults.py (GETs); a probe polls /readyz every 0.1 s.

  redis-stopped     at --at s SIGKILL Redis (connections refused); --for s later start it again.
  redis-blackholed  at --at s SIGSTOP Redis: the kernel still accepts connections and nobody
                    answers (a black hole; what it holds stays); --for s later SIGCONT.
  db-restart        at --at s restart this machine's PostgreSQL cluster (other sessions on it
                    are cut for a moment too); recovery is counted from when it accepts again.
  worker-kill       at --at s SIGKILL one gunicorn worker.
  query-flood       100,000 requests with random query strings on cached pages (unknown
                    parameters, random categories and page numbers); Redis memory before/after.

Per scenario: requests, answers that were not 2xx/3xx (429 apart), 5xx, socket errors, p95 and
p99 latency, and what the probe and Redis said. It prints figures; it judges nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.load_faults import (  # noqa: E402
    LOAD_LUA,
    Probe,
    finish_wrk,
    kill_worker,
    restart_postgres,
    run_task,
    start_wrk,
)
from tests.bench.report import command_line, load_average, number, table  # noqa: E402
from tests.bench.server import Stack, http_get, milliseconds, wrk_missing_message  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

SCENARIOS = ("redis-stopped", "redis-blackholed", "db-restart", "worker-kill", "query-flood")
FLOOD_REQUESTS = 100_000
FLOOD_PATHS = [
    "/",
    "/k/pajang/",
    "/k/pajang/berita/",
    "/kota/kota-surakarta/umkm/",
    "/kota/kota-surakarta/wisata/",
    "/k/pajang/umkm/",
]

# LOAD_LUA with random query strings, and each thread stopping after its share of requests.
FLOOD_LUA = (
    LOAD_LUA.replace(
        """function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end""",
        """function request()
  n = n + 1
  local junk = string.format("%x%x", math.random(0, 2147483647), n)
  local query = junk .. "=" .. junk
  if n % 3 == 0 then query = query .. "&kategori=" .. junk .. "&page=" .. n end
  if n % 3 == 1 then query = query .. "&utm_source=" .. junk end
  return wrk.format("GET", paths[(n % #paths) + 1] .. "?" .. query)
end""",
    )
    .replace(
        """  counts[key] = (counts[key] or 0) + 1
end""",
        """  counts[key] = (counts[key] or 0) + 1
  answered = (answered or 0) + 1
  if answered >= limit then wrk.thread:stop() end
end""",
    )
    .replace(
        """  n = id * 7
  counts = {}""",
        """  n = id * 7
  counts = {}
  limit = tonumber(os.getenv("FLOOD_PER_THREAD") or "50000")""",
    )
)


def redis_memory(redis: RedisServer) -> tuple[int, int]:
    return redis.used_memory(), redis.dbsize()


def run_scenario(stack: Stack, redis: RedisServer, name: str, paths: list[str], args) -> dict:
    print(f"\n-- {name}", flush=True)
    facts: list[str] = []
    started = time.monotonic()
    probe = Probe(stack, "/readyz", started)
    if name == "query-flood":
        os.environ["FLOOD_PER_THREAD"] = str(FLOOD_REQUESTS // args.threads)
        before = redis_memory(redis)
        load = start_wrk(
            stack,
            FLOOD_PATHS,
            clients=args.clients,
            seconds=600,
            threads=args.threads,
            lua=FLOOD_LUA,
        )
        result = finish_wrk(load)
        after = redis_memory(redis)
        facts.append(
            f"Redis used_memory {before[0] / 1e6:.2f} MB -> {after[0] / 1e6:.2f} MB "
            f"({(after[0] - before[0]) / 1e6:+.2f} MB); keys {before[1]} -> {after[1]}"
        )
        result["redis"] = f"{(after[0] - before[0]) / 1e6:+.2f} MB, {after[1] - before[1]:+} keys"
    else:
        load = start_wrk(
            stack, paths, clients=args.clients, seconds=args.seconds, threads=args.threads
        )
        time.sleep(max(0.0, args.at - (time.monotonic() - started)))
        fault_at = time.monotonic() - started
        back_at = None
        if name == "redis-stopped":
            redis.stop()
            facts.append(f"Redis SIGKILLed at t={fault_at:.1f} s")
            time.sleep(args.down)
            redis.start()
            back_at = time.monotonic() - started
            facts.append(f"Redis started again at t={back_at:.1f} s (empty: it keeps no data)")
        elif name == "redis-blackholed":
            redis.freeze()
            facts.append(f"Redis SIGSTOPped at t={fault_at:.1f} s")
            time.sleep(args.down)
            redis.thaw()
            back_at = time.monotonic() - started
            facts.append(f"Redis SIGCONTed at t={back_at:.1f} s")
        elif name == "db-restart":
            took, note = restart_postgres()
            back_at = time.monotonic() - started
            facts.append(f"PostgreSQL restart at t={fault_at:.1f} s took {took:.1f} s ({note})")
        elif name == "worker-kill":
            before, victim, after, replaced = kill_worker(stack)
            facts.append(
                f"SIGKILL worker {victim} at t={fault_at:.1f} s; replacement "
                + (f"up {replaced:.2f} s later" if replaced is not None else "NOT up in 30 s")
            )
        result = finish_wrk(load)
        facts.append(f"probe /readyz: {probe.outage(fault_at)}")
        if back_at is not None:
            bad_after = [s for s in probe.samples if s[0] >= back_at and s[1] != 200]
            last_bad = max((s[0] for s in bad_after), default=None)
            result["recovery"] = (
                "at once" if last_bad is None else f"{last_bad - back_at + 0.1:.1f} s"
            )
            facts.append(f"/readyz answered 200 again {result['recovery']} after the part returned")
        result["redis"] = ""
    probe.stop()
    result["facts"] = facts
    return result


def summary_row(name: str, result: dict) -> list[str]:
    statuses = result["statuses"]
    not_ok = sum(c for s, c in statuses.items() if not 200 <= s < 400 and s != 429)
    server_errors = sum(c for s, c in statuses.items() if s >= 500)
    socket = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    return [
        name,
        number(result["requests"]),
        number(not_ok),
        number(server_errors),
        number(socket),
        milliseconds(result["p95"]),
        milliseconds(result["p99"]),
        result.get("recovery", ""),
        result.get("redis", ""),
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--at", type=float, default=10, help="seconds into the load for faults")
    parser.add_argument("--for", dest="down", type=float, default=10, help="Redis outage, s")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--database", default="portal_bench_faults")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        print(wrk_missing_message())
        return 1
    if not shutil.which("redis-server"):
        print("redis-server is not installed (Debian: apt-get install redis-server).")
        return 1
    if "db-restart" in args.scenario:
        print(
            "Note: db-restart restarts this machine's PostgreSQL cluster; other sessions on it "
            "lose their connections for a moment."
        )
    command = command_line(__file__, argv)
    redis = RedisServer()
    rows, notes = [], []
    try:
        own_redis = redis.url.rsplit("/", 1)[0]
        with Stack(database=args.database, redis_db=0, redis_url=own_redis) as stack:
            paths = run_task(stack, "paths")
            for path in paths:
                status, _body = http_get(stack.url(path))
                if not 200 <= status < 400:
                    print(f"Warning: {path} answers {status} before the load.")
            for name in args.scenario:
                result = run_scenario(stack, redis, name, paths, args)
                rows.append(summary_row(name, result))
                notes += [f"{name}: {fact}" for fact in result["facts"]]
                time.sleep(3)
            errors = [
                line
                for line in stack.log_path.read_text(errors="replace").splitlines()
                if "Traceback" in line or "[ERROR]" in line or "[CRITICAL]" in line
            ]
            cache_lines = [
                line
                for line in stack.log_path.read_text(errors="replace").splitlines()
                if line.startswith("Cache ") and "available" in line
            ]
    finally:
        redis.close()
    notes += [
        f"wrk -t{args.threads} -c{args.clients}, {args.seconds:g} s per fault scenario (fault at "
        f"{args.at:g} s, Redis down {args.down:g} s); GETs over {len(paths)} public paths; "
        f"query-flood: {FLOOD_REQUESTS:,} requests over {' '.join(FLOOD_PATHS)}",
        f"gunicorn log: {len(errors)} error lines; {len(cache_lines)} cache warnings "
        "(one per worker per outage start and end expected)",
        *(f"  {line[:160]}" for line in cache_lines[:12]),
        f"load average after: {load_average()}",
    ]
    table(
        "Faults: what the clients saw",
        command,
        ["scenario", "requests", "not 2xx/3xx", "5xx", "socket err", "p95", "p99", "recovered",
         "Redis growth"],
        rows,
        align="lrrrrrrll",
        notes=notes,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
