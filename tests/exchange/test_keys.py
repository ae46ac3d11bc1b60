"""API keys: shown once, stored hashed, scoped to a site or the cluster, rotated and revoked."""

import hashlib

import pytest
from sqlalchemy import select

from exchange.errors import Unauthorized
from exchange.store import tables
from exchange.store.audit import recent_entries
from exchange.store.keys import authenticate, issue_key, list_keys, revoke_key, rotate_key
from tests.conftest import record


def test_the_store_keeps_only_a_hash_of_the_secret(cluster):
    issued = issue_key(cluster, "530500", frozenset({"push"}), "CMS", "cli:test")
    key_id, secret = issued.token.removeprefix("zq_").split(".")
    assert key_id == issued.key.id and len(secret) == 43
    with cluster.read() as conn:
        [row] = conn.execute(select(tables.api_keys)).all()
    assert secret not in "".join(str(value) for value in row)
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert authenticate(cluster, issued.token).site == "530500"


def test_rotation_and_revocation_take_effect_at_once_and_are_audited(cluster):
    issued = issue_key(cluster, "530521", frozenset({"pull", "push"}), "", "cli:test")
    rotated = rotate_key(cluster, issued.key.id, "cli:ops")
    assert rotated.key.id == issued.key.id and rotated.token != issued.token
    with pytest.raises(Unauthorized) as old:
        authenticate(cluster, issued.token)
    assert old.value.code == "invalid_key"
    assert authenticate(cluster, rotated.token).scopes == {"pull", "push"}
    revoke_key(cluster, issued.key.id, "cli:ops")
    with pytest.raises(Unauthorized) as revoked:
        authenticate(cluster, rotated.token)
    assert revoked.value.code == "key_revoked"
    [listed] = list_keys(cluster, "530521")
    assert listed.revoked_at is not None
    actions = [(e.action, e.actor, e.target) for e in recent_entries(cluster)]
    assert actions == [
        ("key.revoke", "cli:ops", issued.key.id),
        ("key.rotate", "cli:ops", issued.key.id),
        ("key.issue", "cli:test", issued.key.id),
    ]


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        (None, 401, "key_required"),
        ("Basic dXNlcjpwYXNz", 401, "invalid_authorization"),
        ("Bearer ", 401, "invalid_authorization"),
        ("Bearer not-a-key", 401, "invalid_key"),
        ("Bearer zq_000000000000." + "A" * 43, 401, "invalid_key"),
    ],
)
def test_requests_without_a_valid_key_are_refused(api, authorization, status, code):
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = api.client.simulate_post("/v1/records", body=b'{"items": []}', headers=headers)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="zhanqun"'


def test_a_wrong_secret_for_a_real_key_id_is_refused(api, keys):
    key_id = keys["city"].split(".")[0]
    response = api.client.simulate_get(
        "/v1/changes", headers={"Authorization": f"Bearer {key_id}.{'B' * 43}"}
    )
    assert (response.status_code, response.json["error"]["code"]) == (401, "invalid_key")


def test_scopes_and_ownership(api):
    pull_only = api.push("puller", [record("1", "公告")])
    assert (pull_only.status_code, pull_only.json["error"]["code"]) == (403, "scope_missing")
    elsewhere = api.push("county", [record("1", "公告")], site="530500")
    assert (elsewhere.status_code, elsewhere.json["error"]["code"]) == (403, "site_not_owned")
    # A county's key is its own: not its townships' (each site gets its own key).
    below = api.push("county", [record("1", "公告")], site="530521100")
    assert below.json["error"]["code"] == "site_not_owned"
    review = api.get("/v1/review", "city")
    assert (review.status_code, review.json["error"]["code"]) == (403, "cluster_key_required")
    assert api.get("/v1/review", "operator").status_code == 200


def test_a_proxys_basic_authentication_does_not_block_public_routes(api):
    basic = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert api.client.simulate_get("/feeds/530500", headers=basic).status_code == 200
    assert (
        api.client.simulate_get("/oai", params={"verb": "Identify"}, headers=basic).status_code
        == 200
    )
