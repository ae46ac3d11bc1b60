"""Operations: indexer runs recorded in the store, ``/readyz``, and ``/metrics`` parsed the
way Prometheus parses it."""

import os

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exchange import indexing
from exchange.indexing import run_indexer
from exchange.metrics.files import MULTIPROCESS_ENV, prepare_multiprocess_dir
from exchange.supervision.runs import recent_runs, start_run
from indexer.engine.building import LOCK_NAME
from indexer.locking import IndexerBusy, RunLock
from tests.conftest import record


def samples(client) -> dict[tuple[str, frozenset], float]:
    """(sample name, labels) → value of every sample /metrics exposes."""
    response = client.simulate_get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def test_every_indexer_run_is_recorded_with_its_outcome(zq, config, monkeypatch):
    zq.push("530500", record("1", "公积金"), record("2", "防火"))
    summary = run_indexer(config, full=False, progress=False)
    (run,) = recent_runs(zq.store)
    assert (run.outcome, run.mode, run.generation) == ("ok", summary.mode, summary.generation)
    assert (run.added, run.seq_to) == (2, summary.seq_to)
    assert run.finished_at >= run.started_at
    with RunLock(config.index_dir / LOCK_NAME), pytest.raises(IndexerBusy):
        run_indexer(config, full=True, progress=False)
    assert recent_runs(zq.store, 1)[0].outcome == "busy"

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(indexing.building, "run", broken)
    with pytest.raises(RuntimeError):
        run_indexer(config, full=False, progress=False)
    failed = recent_runs(zq.store, 1)[0]
    assert (failed.outcome, failed.error) == ("failed", "RuntimeError: disk full")
    monkeypatch.undo()
    killed = start_run(zq.store, "incremental")  # a run that died without a word
    run_indexer(config, full=False, progress=False)
    by_id = {run.id: run.outcome for run in recent_runs(zq.store)}
    assert by_id[killed] == "abandoned"
    assert [run.outcome for run in recent_runs(zq.store, 10, "ok")] == ["ok", "ok"]


def test_ready_only_once_an_index_can_be_searched(zq, client):
    response = client.simulate_get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"store": "ok", "index": "unavailable"}
    zq.push("530500", record("1", "公积金"))
    zq.index()
    response = client.simulate_get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"store": "ok", "index": "ok"},
                             "generation": 1}  # fmt: skip


@pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")
def test_requests_are_counted_by_route_template_method_and_status(zq, client, key):
    zq.push("530500", record("1", "公积金"))
    zq.index()
    client.simulate_get("/v1/search", params={"q": "公积金"})
    client.simulate_get("/v1/search", params={"q": "公积金"})
    client.simulate_get("/v1/stats", params={"period": "hour"})
    client.simulate_get("/v1/records/530500/1")
    client.simulate_get("/no/such/page")
    client.simulate_request("BREW", "/v1/search")
    client.simulate_get("/v1/changes", headers=key("pull"))
    found = samples(client)
    requests = "zhanqun_http_requests_total"
    assert value(found, requests, route="/v1/search", method="GET", status="200") == 2
    assert value(found, requests, route="/v1/stats", method="GET", status="400") == 1
    # One series per route template, however many records are asked for.
    assert value(found, requests, route="/v1/records/{site}/{local_id}", method="GET",
                 status="401") == 1  # fmt: skip
    assert value(found, requests, route="unmatched", method="GET", status="404") == 1
    # Falcon refuses a method it does not know; any number of them make one series.
    assert value(found, requests, route="/v1/search", method="other", status="400") == 1
    latency = "zhanqun_http_request_duration_seconds_count"
    assert value(found, latency, route="/v1/search", method="GET") == 2
    assert value(found, "zhanqun_pulled_changes_total") == 1


def test_index_store_and_indexer_state_in_every_scrape(zq, config, client):
    found = samples(client)
    assert value(found, "zhanqun_store_up") == 1
    assert value(found, "zhanqun_index_generation") == 0
    assert value(found, "zhanqun_indexer_last_run_start_timestamp_seconds") is None
    zq.push("530500", record("1", "公积金"), record("2", "防火"))
    run_indexer(config, full=False, progress=False)
    zq.push("530500", record("3", "新的"))
    found = samples(client)
    assert value(found, "zhanqun_store_changes_total") == 3
    assert value(found, "zhanqun_store_records", state="live") == 3
    assert value(found, "zhanqun_store_size_bytes") > 0
    assert value(found, "zhanqun_index_generation") == 1
    assert value(found, "zhanqun_index_seq") == 2
    assert value(found, "zhanqun_index_lag_changes") == 1
    assert 0 <= value(found, "zhanqun_index_age_seconds") < 60
    assert value(found, "zhanqun_index_generation_switched_timestamp_seconds") > 0
    assert value(found, "zhanqun_indexer_last_run_outcome", outcome="ok") == 1
    assert value(found, "zhanqun_indexer_last_run_outcome", outcome="failed") == 0
    assert value(found, "zhanqun_indexer_last_run_documents", change="added") == 2
    start = value(found, "zhanqun_indexer_last_run_start_timestamp_seconds")
    end = value(found, "zhanqun_indexer_last_run_end_timestamp_seconds")
    assert 0 < start <= end


def test_gunicorns_metrics_directory_is_emptied_and_named_for_the_workers(tmp_path, monkeypatch):
    monkeypatch.setenv(MULTIPROCESS_ENV, "restored by monkeypatch after the test")
    directory = tmp_path / "data" / "metrics"
    directory.mkdir(parents=True)
    (directory / "counter_4711.db").write_bytes(b"left by an earlier server")
    assert prepare_multiprocess_dir(tmp_path / "data") == directory.resolve()
    assert list(directory.iterdir()) == []
    assert os.environ[MULTIPROCESS_ENV] == str(directory.resolve())


def test_openapi_describes_the_supervision_endpoints_as_they_answer(zq, client, key):
    spec = client.simulate_get("/openapi.json").json
    described = {p["name"] for p in spec["paths"]["/v1/stats"]["get"]["parameters"]}
    assert described == {"by", "period", "from", "to", "site", "branch", "tier"}
    admin = key("admin")
    for method, path, headers in [
        ("GET", "/v1/stats", {}),
        ("GET", "/v1/inspection", admin),
        ("GET", "/v1/inspection", {}),
        ("GET", "/v1/analytics/searches", admin),
        ("GET", "/v1/indexer/runs", admin),
        ("GET", "/readyz", {}),
        ("POST", "/v1/clicks", {}),
        ("GET", "/click", {}),
    ]:
        status = client.simulate_request(method, path, headers=headers).status_code
        assert str(status) in spec["paths"][path][method.lower()]["responses"], (path, status)
