"""Bans (封禁): automatic after repeated failed authentications or a client that keeps
hammering past its limit; manual by CLI and API; every one in the audit log."""

import time

import orjson

from exchange.cli import main as zhanqun
from exchange.store.audit import recent_entries
from exchange.store.bans import list_bans
from tests.hardening.conftest import CITIZEN

SEARCH = "/v1/search"
WRONG_KEY = "zq_0123456789ab." + "A" * 43


def key_id(token: str) -> str:
    return token[3:15]


def test_repeated_failed_authentications_ban_the_address_but_spare_valid_keys(guarded, zq):
    """A county's NAT: someone guesses keys from the address the county's CMS pushes from."""
    app = guarded(auto_ban="auth=3/10minutes for=2h")
    tries = []
    for n in range(4):
        # The CMS's own pushes between the failures do not wipe them out.
        assert (
            app.push("county", [{"id": f"cms-{n}", "title": "通知", "body": "正文"}]).status_code
            == 200
        )
        tries.append(app.get("/v1/changes", key=WRONG_KEY).status_code)
    assert tries == [401, 401, 401, 401]
    # Banned now: anonymous requests and wrong keys are refused, with how long to wait...
    for answer in (app.get(SEARCH, q="公积金"), app.get("/v1/changes", key=WRONG_KEY)):
        assert answer.status_code == 403
        assert answer.json["error"]["code"] == "banned"
        assert 7000 < int(answer.headers["Retry-After"]) <= 7200
    # ...while a valid key from the same address still pushes, pulls and searches.
    pushed = app.push("county", [{"id": "cms-after", "title": "通知", "body": "正文"}])
    assert pushed.status_code == 200 and pushed.json["results"][0]["outcome"] == "created"
    assert app.get("/v1/changes", key="county").status_code == 200
    assert app.get(SEARCH, key="county", q="公积金").status_code == 200
    assert app.get(SEARCH, address="198.51.100.99", q="公积金").status_code == 200
    [ban] = list_bans(zq.store)
    assert (ban.kind, ban.subject, ban.actor, ban.spares_keys) == (
        "address", CITIZEN, "service:guard", True)  # fmt: skip
    [entry] = recent_entries(zq.store, action="ban.add")
    assert entry.target == f"address:{CITIZEN}" and entry.detail["seconds"] == 7200
    assert entry.detail["spares_keys"] is True


def test_a_revoked_or_banned_key_is_not_spared(guarded, zq, capsys, config):
    app = guarded(auto_ban="auth=1/10minutes")
    assert app.get("/v1/changes", key=WRONG_KEY).status_code == 401
    assert app.get("/v1/changes", key=WRONG_KEY).status_code == 401  # the second one bans
    assert app.get("/v1/changes", key="township").status_code == 200
    settings = ["--data-dir", str(config.data_dir)]
    assert zhanqun(["keys", "revoke", key_id(app.keys["township"]), *settings]) == 0
    refused = app.get("/v1/changes", key="township")
    assert (refused.status_code, refused.json["error"]["code"]) == (403, "banned")
    operator = {"Authorization": f"Bearer {app.keys['operator']}",
                "Content-Type": "application/json"}  # fmt: skip
    county = key_id(app.keys["county"])
    app.client.simulate_post("/v1/bans", body=orjson.dumps({"key": county}), headers=operator)
    refused = app.get("/v1/changes", key="county")
    assert (refused.status_code, refused.json["error"]["code"]) == (403, "banned")
    assert f"key {county} is banned" in refused.json["error"]["message"]


def test_a_manual_address_ban_spares_keys_only_when_it_says_so(guarded, zq, config, capsys):
    app = guarded()
    operator = {"Authorization": f"Bearer {app.keys['operator']}",
                "Content-Type": "application/json"}  # fmt: skip

    def ban(**body):
        answer = app.client.simulate_post("/v1/bans", body=orjson.dumps(body), headers=operator)
        return answer

    def push():
        return app.push("county", [{"id": "x", "title": "通知", "body": "正文"}]).status_code

    spared = ban(address=CITIZEN, spare_keys=True)
    assert spared.status_code == 201 and spared.json["spares_keys"] is True
    assert (push(), app.get(SEARCH).status_code) == (200, 403)
    app.client.simulate_delete(f"/v1/bans/{spared.json['id']}", headers=operator)
    whole = ban(address=CITIZEN)
    assert whole.json["spares_keys"] is False
    assert (push(), app.get(SEARCH).status_code) == (403, 403)
    refused = ban(key=key_id(app.keys["county"]), spare_keys=True)
    assert (refused.status_code, refused.json["error"]["field"]) == (400, "spare_keys")
    settings = ["--data-dir", str(config.data_dir)]
    assert zhanqun(["bans", "add", "--address", "203.0.113.0/24", "--spare-keys", *settings]) == 0
    assert "203.0.113.0/24" in capsys.readouterr().out
    assert zhanqun(["bans", "list", *settings]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "\tkeys spared\t" in lines[0] and "\tall refused\t" in lines[1]


def test_the_audit_log_names_the_client_and_the_proxy_it_came_through(guarded, zq):
    app = guarded(auto_ban="auth=1/10minutes")
    headers = {"Authorization": f"Bearer {app.keys['county']}",
               "Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9"}  # fmt: skip
    body = orjson.dumps({"items": [{"id": "p1", "title": "通知", "body": "正文"}]})
    proxied = app.client.simulate_post("/v1/records", body=body, headers=headers,
                                       remote_addr="127.0.0.1")  # fmt: skip
    assert proxied.status_code == 200
    app.push("county", [{"id": "p2", "title": "通知", "body": "正文"}], address=CITIZEN)
    by_hand, proxied_push = recent_entries(zq.store, action="push")
    assert (proxied_push.detail["client"], proxied_push.detail["proxy"]) == ("203.0.113.9",
                                                                             "127.0.0.1")  # fmt: skip
    assert (by_hand.detail["client"], by_hand.detail["proxy"]) == (CITIZEN, None)
    for _ in range(2):
        app.client.simulate_get("/v1/changes", remote_addr="127.0.0.1", headers={
            "Authorization": f"Bearer {WRONG_KEY}", "X-Forwarded-For": "203.0.113.77"})  # fmt: skip
    [entry] = recent_entries(zq.store, action="ban.add")
    assert entry.target == "address:203.0.113.77"
    assert (entry.detail["client"], entry.detail["proxy"]) == ("203.0.113.77", "127.0.0.1")


def test_asking_without_a_key_is_not_a_failed_authentication(guarded, zq):
    app = guarded(auto_ban="auth=2/10minutes")
    assert {app.get("/v1/changes").status_code for _ in range(6)} == {401}
    assert app.get("/v1/changes", key="county").status_code == 200
    assert list_bans(zq.store) == []


def test_a_client_that_keeps_hammering_past_its_limit_is_banned(guarded, zq):
    app = guarded(rate_limits="search=2/minute", auto_ban="abuse=3/10minutes for=30m")
    answers = [app.get(SEARCH).status_code for _ in range(7)]
    assert answers == [200, 200, 429, 429, 429, 429, 403]
    assert app.get(SEARCH).json["error"]["code"] == "banned"
    [ban] = list_bans(zq.store)
    assert ban.reason.startswith("automatic: requests over the limit")


def test_an_abusive_key_is_banned_not_the_address_it_used(guarded, zq):
    app = guarded(rate_limits="exchange_key=1/minute", auto_ban="abuse=2/10minutes")
    pushes = [app.push("county", [{"id": "x", "title": "t", "body": "b"}]).status_code
              for _ in range(5)]  # fmt: skip
    assert pushes == [200, 429, 429, 429, 403]
    [ban] = list_bans(zq.store)
    assert (ban.kind, ban.subject) == ("key", key_id(app.keys["county"]))
    assert app.get(SEARCH).status_code == 200  # the same address, without the key


def test_the_operator_bans_and_unbans_a_key_over_the_api(guarded, zq):
    app = guarded()
    county = key_id(app.keys["county"])
    placed = app.client.simulate_post(
        "/v1/bans",
        body=orjson.dumps({"key": county, "duration": "1h", "reason": "泄露"}),
        headers={"Authorization": f"Bearer {app.keys['operator']}",
                 "Content-Type": "application/json"},
    )  # fmt: skip
    assert placed.status_code == 201, placed.text
    assert placed.json["subject"] == county and placed.json["active"]
    refused = app.push("county", [{"id": "x", "title": "t", "body": "b"}])
    assert refused.status_code == 403 and refused.json["error"]["code"] == "banned"
    listed = app.get("/v1/bans", key="operator").json["bans"]
    assert [b["id"] for b in listed] == [placed.json["id"]]
    lifted = app.client.simulate_delete(
        f"/v1/bans/{placed.json['id']}", headers={"Authorization": f"Bearer {app.keys['operator']}"}
    )
    assert lifted.status_code == 200 and not lifted.json["active"]
    assert app.push("county", [{"id": "x", "title": "t", "body": "b"}]).status_code == 200
    operator = f"key:{key_id(app.keys['operator'])}"
    entries = [(e.action, e.actor) for e in recent_entries(zq.store) if e.action[:4] == "ban."]
    assert entries == [("ban.lift", operator), ("ban.add", operator)]


def test_only_a_cluster_admin_key_may_ban(guarded):
    app = guarded()
    body = orjson.dumps({"address": "203.0.113.5"})

    def post(who: str | None):
        headers = {"Content-Type": "application/json"}
        if who:
            headers["Authorization"] = f"Bearer {app.keys[who]}"
        return app.client.simulate_post("/v1/bans", body=body, headers=headers)

    assert post(None).status_code == 401
    assert post("county").json["error"]["code"] == "scope_missing"
    assert post("county_admin").json["error"]["code"] == "cluster_key_required"
    assert post("operator").status_code == 201


def test_the_operator_cannot_ban_the_proxy_every_citizen_comes_through(guarded):
    app = guarded(trusted_proxies="127.0.0.1,::1,10.0.0.0/24")
    for subject in ("10.0.0.7", "10.0.0.0/8", "::1"):
        answer = app.client.simulate_post(
            "/v1/bans",
            body=orjson.dumps({"address": subject}),
            headers={"Authorization": f"Bearer {app.keys['operator']}",
                     "Content-Type": "application/json"},
        )  # fmt: skip
        assert answer.status_code == 400 and answer.json["error"]["code"] == "protected_address"


def test_the_cli_bans_a_network_and_the_running_service_follows(guarded, zq, config, capsys):
    app = guarded()
    assert app.get(SEARCH, address="198.51.100.200").status_code == 200
    settings = ["--data-dir", str(config.data_dir)]
    assert zhanqun(["bans", "add", "--address", "198.51.100.0/24", "--for", "1d",
                    "--reason", "爬虫", *settings]) == 0  # fmt: skip
    assert "198.51.100.0/24" in capsys.readouterr().out
    time.sleep(1.1)  # each worker rereads the bans once a second
    assert app.get(SEARCH, address="198.51.100.200").status_code == 403
    assert app.get(SEARCH, address="198.51.101.1").status_code == 200
    [ban] = list_bans(zq.store)
    assert zhanqun(["bans", "lift", str(ban.id), *settings]) == 0
    time.sleep(1.1)
    assert app.get(SEARCH, address="198.51.100.200").status_code == 200
    assert zhanqun(["bans", "add", "--address", "not-an-address", *settings]) == 2
    assert "invalid_address" in capsys.readouterr().err
    actions = [e.action for e in recent_entries(zq.store)][:2]
    assert actions == ["ban.lift", "ban.add"]
