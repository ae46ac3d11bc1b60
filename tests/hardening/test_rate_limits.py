"""Rate limits: per client address and per key, separately for search and exchange, 429 with
Retry-After, counted in a store that every worker shares."""

import dataclasses
import logging
import secrets

import pytest

from exchange.app import create_app
from exchange.store import tables
from tests.conftest import record
from tests.hardening.conftest import CITIZEN

SEARCH = "/v1/search"


def statuses(responses) -> list[int]:
    return [r.status_code for r in responses]


def test_a_citizen_past_the_search_limit_is_told_to_wait_and_others_are_not(guarded):
    app = guarded(rate_limits="search=3/minute")
    answers = [app.get(SEARCH, q="公积金") for _ in range(5)]
    assert statuses(answers) == [200, 200, 200, 429, 429]
    refused = answers[-1]
    assert refused.json["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert app.get(SEARCH, address="198.51.100.8", q="公积金").status_code == 200


def test_search_and_exchange_are_counted_apart(guarded):
    app = guarded(rate_limits="search=2/minute exchange=2/minute")
    assert statuses(app.get(SEARCH) for _ in range(3)) == [200, 200, 429]
    # The anonymous Atom feed is exchange traffic: its own allowance is untouched.
    assert statuses(app.get("/feeds/530521") for _ in range(3)) == [200, 200, 429]


def test_clients_behind_the_proxy_are_told_apart_and_cannot_spoof_their_way_out(guarded):
    app = guarded(rate_limits="search=2/minute")

    def via_proxy(client: str, peer: str = "127.0.0.1"):
        return app.client.simulate_get(
            SEARCH, remote_addr=peer, headers={"X-Forwarded-For": f"10.9.9.9, {client}"}
        )

    assert statuses(via_proxy("203.0.113.1") for _ in range(3)) == [200, 200, 429]
    assert via_proxy("203.0.113.2").status_code == 200
    # A client that is not our proxy gains nothing by naming another client itself.
    forged = [via_proxy(f"203.0.113.{n}", peer=CITIZEN) for n in range(10, 13)]
    assert statuses(forged) == [200, 200, 429]


def test_an_ipv6_client_is_counted_by_its_64(guarded):
    app = guarded(rate_limits="search=2/minute")
    answers = [app.get(SEARCH, address=f"2001:db8:1:2::{n}") for n in range(1, 4)]
    assert statuses(answers) == [200, 200, 429]
    assert app.get(SEARCH, address="2001:db8:1:3::1").status_code == 200


def test_a_key_is_limited_per_key_wherever_it_comes_from_and_nothing_is_written(guarded, zq):
    app = guarded(rate_limits="exchange_key=2/minute")
    pushes = [
        app.push("county", [record(f"n-{n}", f"通知{n}")], address=f"198.51.100.{n}")
        for n in range(3)
    ]
    assert statuses(pushes) == [200, 200, 429]
    assert pushes[-1].headers["Retry-After"]
    with zq.store.read() as conn:
        ids = {row.local_id for row in conn.execute(tables.records.select())}
    assert "n-2" not in ids and {"n-0", "n-1"} <= ids
    # Another site's key has its own allowance.
    assert app.push("township", [record("t-1", "镇通知")]).status_code == 200


def test_the_service_host_itself_is_not_limited_by_address(guarded):
    app = guarded(rate_limits="search=1/minute")
    assert statuses(app.get(SEARCH, address="127.0.0.1") for _ in range(4)) == [200] * 4


def test_workers_share_their_counts(zq, guarded):
    """Two apps are two gunicorn workers: each counts in the same store, so a client gets
    its limit once, not once per worker."""
    first = guarded(rate_limits="search=4/minute")
    second = guarded(rate_limits="search=4/minute")
    answers = [(first if n % 2 else second).get(SEARCH) for n in range(6)]
    assert statuses(answers) == [200, 200, 200, 200, 429, 429]


def test_workers_share_their_counts_through_redis(zq, guarded):
    url = "redis://127.0.0.1:6379/0"
    first = guarded(rate_limits="search=3/minute", rate_limit_url=url)
    second = guarded(rate_limits="search=3/minute", rate_limit_url=url)
    # A fresh address (a /64 of its own): Redis outlives the test.
    address = f"2001:db8:{secrets.token_hex(2)}::1"
    answers = [(first if n % 2 else second).get(SEARCH, address=address) for n in range(5)]
    assert statuses(answers) == [200, 200, 200, 429, 429]


def test_counts_that_cannot_be_kept_do_not_stop_the_service(guarded, caplog):
    app = guarded(rate_limits="search=1/minute", rate_limit_url="redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="zhanqun"):
        answers = [app.get(SEARCH) for _ in range(3)]
    assert statuses(answers) == [200, 200, 200]
    assert "rate limits not counted" in caplog.text


@pytest.mark.parametrize("url", ["memory://", "async+redis://127.0.0.1"])
def test_a_storage_each_worker_would_keep_apart_is_refused(zq, url):
    config = dataclasses.replace(zq.config, rate_limit_url=url)
    with pytest.raises(ValueError, match="each worker would count apart"):
        create_app(config, zq.store, zq.reader)
