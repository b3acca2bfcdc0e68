"""Reading /metrics back in tests: a scrape parsed into {(family, labels): value}."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}


def parse(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def families(text: str) -> set[str]:
    """The family names a scrape declares (its # TYPE lines, as written: counters with their
    _total), samples or not."""
    return set(re.findall(r"^# TYPE (\S+) ", text, re.MULTILINE))


def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", **LOOPBACK)
    assert response.status_code == 200, response.status_code
    return parse(response.content.decode())


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)
