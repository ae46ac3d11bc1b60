"""End to end on a real gunicorn with two workers: the workers' request counts add up in
whichever worker answers a scrape, the indexer's runs from cron show in /metrics, and every
line the server logs is a JSON object."""

import json
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Server, run_zhanqun

pytestmark = pytest.mark.e2e

SEARCHES = 12  # under the default limit of 20 searches a second per address


def scrape(server: Server) -> dict[tuple[str, frozenset], float]:
    with urllib.request.urlopen(server.base_url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_add_up_across_workers_and_logs_are_json_lines(tmp_path: Path, serve):
    data_dir = tmp_path / "data"
    run_zhanqun(data_dir, "demo", "--no-serve", "--records", "60")
    run_zhanqun(data_dir, "index", "--quiet")
    server = serve(data_dir)
    for _ in range(SEARCHES):
        status, _body = server.get("/v1/search", q="公积金")
        assert status == 200
    search = frozenset({"route": "/v1/search", "method": "GET", "status": "200"}.items())
    # Each scrape may reach either worker; each must count every search of both.
    for _ in range(4):
        found = scrape(server)
        assert found[("zhanqun_http_requests_total", search)] == SEARCHES
    assert found[("zhanqun_index_generation", frozenset())] == 1
    ok = frozenset({"outcome": "ok"}.items())
    assert found[("zhanqun_indexer_last_run_outcome", ok)] == 1
    assert found[("zhanqun_index_lag_changes", frozenset())] == 0
    assert list((data_dir / "metrics").glob("counter_*.db"))
    status, ready = server.get("/readyz")
    assert status == 200 and ready["status"] == "ready"

    lines = [line for line in server.output().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    access = [e for e in entries if e["logger"] == "gunicorn.access"]
    searched = [e for e in access if e["path"] == "/v1/search"]
    assert len(searched) == SEARCHES
    assert {e["status"] for e in searched} == {200}
    assert all(e["duration_ms"] >= 0 and e["method"] == "GET" for e in searched)
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"]
               for e in entries)  # fmt: skip
