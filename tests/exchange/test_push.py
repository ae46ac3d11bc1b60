"""``POST /v1/records``: per-item results, versions, batch semantics, idempotency, bad input."""

import orjson
import pytest
from sqlalchemy import select

from exchange.store import open_store, tables
from exchange.store.audit import recent_entries
from exchange.store.feed import read_changes
from exchange.store.sites import set_site_state
from exchange.store.writing import MAX_BATCH
from tests.conftest import record


def outcomes(response) -> list[tuple[str | None, str]]:
    return [(r["id"], r["outcome"]) for r in response.json["results"]]


def test_every_outcome_with_its_reason_in_request_order(api):
    first = api.push("city", [record("1", "通知一"), record("2", "通知二", version=5)])
    assert first.status_code == 200
    assert outcomes(first) == [("1", "created"), ("2", "created")]
    assert [r["seq"] for r in first.json["results"]] == [1, 2]
    assert first.json["site"] == "530500" and first.json["counts"] == {"created": 2}

    second = api.push(
        "city",
        [
            record("1", "通知一"),  # the same again
            record("2", "通知二（旧）", version=4),  # a late retry of an older version
            record("1", "通知一（修订）"),
            {"id": "3", "title": "缺正文"},
            record("4", "秘密★1年 关于某事项的请示"),
            {"id": "2", "deleted": True, "version": 6},
            {"id": "nope", "deleted": True},
        ],
    )
    results = second.json["results"]
    assert outcomes(second) == [
        ("1", "unchanged"),
        ("2", "stale"),
        ("1", "updated"),
        ("3", "rejected"),
        ("4", "held"),
        ("2", "deleted"),
        ("nope", "not_found"),
    ]
    assert [r["index"] for r in results] == list(range(7))
    assert "newer" in results[1]["reason"]
    assert (results[3]["code"], results[3]["field"]) == ("missing_field", "body")
    assert "秘密★" in results[4]["reason"] and results[4]["seq"] == 4
    assert results[5]["version"] == 6
    assert "seq" not in results[0] and "seq" not in results[1]
    assert second.json["counts"] == {
        "deleted": 1,
        "held": 1,
        "not_found": 1,
        "rejected": 1,
        "stale": 1,
        "unchanged": 1,
        "updated": 1,
    }


def test_a_bad_item_never_loses_the_good_ones(api, zq):
    items = [record(str(i), f"公告{i}") for i in range(5)]
    items[2] = {"id": "2", "title": "x" * 501, "body": "正文"}
    items[3] = ["not", "an", "object"]
    response = api.push("county", items)
    assert outcomes(response) == [
        ("0", "created"),
        ("1", "created"),
        ("2", "rejected"),
        (None, "rejected"),
        ("4", "created"),
    ]
    assert response.json["results"][2]["code"] == "too_large"
    assert response.json["results"][3]["code"] == "not_an_object"
    with zq.store.read() as conn:
        assert sorted(c.local_id for c in read_changes(conn, 0, 100)) == ["0", "1", "4"]


def test_html_is_reduced_to_text_and_the_batch_is_durable_when_acknowledged(api, config):
    response = api.push(
        "city",
        [record("1", "<b>公告</b>", "<p>第一段</p><script>alert(1)</script><p>第二&amp;段</p>")],
    )
    assert outcomes(response) == [("1", "created")]
    # Another connection — as another process would — reads what was acknowledged.
    other = open_store(config.store_url)
    try:
        with other.read() as conn:
            [change] = read_changes(conn, 0, 10)
    finally:
        other.dispose()
    assert (change.title, change.body) == ("公告", "第一段\n第二&段")


def test_idempotency_key_replays_the_first_response(api, zq):
    items = [record("1", "第一次推送")]
    first = api.push("city", items, **{"Idempotency-Key": "cms-batch-0001"})
    assert outcomes(first) == [("1", "created")]
    # The record changes in between; a retry of the first request still gets the first answer
    # and changes nothing.
    api.push("city", [record("1", "后来的修订")])
    retry = api.push("city", items, **{"Idempotency-Key": "cms-batch-0001"})
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    with zq.store.read() as conn:
        [change] = read_changes(conn, 0, 10)
    assert change.title == "后来的修订"
    # The same key with another body is a mistake, not a replay.
    reused = api.push("city", [record("2", "别的")], **{"Idempotency-Key": "cms-batch-0001"})
    assert reused.status_code == 422
    assert reused.json["error"]["code"] == "idempotency_key_reused"
    # Tokens belong to a key: the county's identical token is its own.
    other = api.push("county", items, **{"Idempotency-Key": "cms-batch-0001"})
    assert outcomes(other) == [("1", "created")] and "Idempotent-Replayed" not in other.headers


def test_every_push_is_in_the_audit_log(api, zq, keys):
    api.push("city", [record("1", "公告"), {"id": "2"}], **{"Idempotency-Key": "k-1"})
    [entry] = recent_entries(zq.store, action="push")
    key_id = keys["city"].split(".")[0].removeprefix("zq_")
    assert (entry.actor, entry.site) == (f"key:{key_id}", "530500")
    assert entry.detail == {
        "counts": {"created": 1, "rejected": 1},
        "idempotency_key": "k-1",
        "seq": [1, 1],
        # Where the push came from: the test client connects from loopback, through no proxy.
        "client": "127.0.0.1",
        "proxy": None,
    }


def test_a_cluster_key_pushes_for_any_site_and_must_name_it(api):
    assert outcomes(api.push("operator", [record("1", "公告")], site="530581")) == [
        ("1", "created")
    ]
    missing = api.push("operator", [record("1", "公告")])
    assert (missing.status_code, missing.json["error"]["code"]) == (400, "missing_field")


BIG_ITEM = record("big", "大", "字" * 100)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"items": [', 400, "malformed_json"),
        (b'{"items": [{"id": "1", "title": "\xff\xfe"}]}', 400, "invalid_utf8"),
        (b'["not", "a", "batch"]', 400, "not_an_object"),
        (b'{"site": "530500"}', 400, "missing_field"),
        (b'{"items": {"id": "1"}}', 400, "invalid_input"),
        (b'{"items": []}', 400, "invalid_input"),
        (b'{"site": 530500, "items": [{"id": "1"}]}', 400, "invalid_input"),
        (b'{"site": "530521", "items": [{"id": "1"}]}', 403, "site_not_owned"),
        (orjson.dumps({"items": [BIG_ITEM] * (MAX_BATCH + 1)}), 413, "batch_too_large"),
        (b'{"items": ["' + b"x" * (16 * 1024 * 1024) + b'"]}', 413, "body_too_large"),
    ],
)
def test_a_bad_batch_is_refused_whole_with_a_specific_error(api, zq, body, status, code):
    response = api.client.simulate_post("/v1/records", body=body, headers=api.headers("city"))
    assert response.status_code == status, response.text
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    with zq.store.read() as conn:
        assert read_changes(conn, 0, 10) == []
    assert recent_entries(zq.store, action="push") == []


def test_unknown_and_closed_sites_and_the_wrong_media_type(api, zq):
    unknown = api.push("operator", [record("1", "公告")], site="999999")
    assert (unknown.status_code, unknown.json["error"]["code"]) == (400, "unknown_site")
    set_site_state(zq.store, "530581", "closed")
    closed = api.push("tengchong", [record("1", "公告")])
    assert (closed.status_code, closed.json["error"]["code"]) == (409, "site_closed")
    form = api.client.simulate_post(
        "/v1/records",
        body=b"items=1",
        headers={**api.headers("city"), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (form.status_code, form.json["error"]["code"]) == (415, "unsupported_media_type")
    with zq.store.read() as conn:
        assert conn.execute(select(tables.records.c.id)).first() is None
