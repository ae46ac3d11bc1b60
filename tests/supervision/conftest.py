"""The app over the test cluster, with the search log flushed by the test, not a thread."""

import pytest
from falcon import testing

from exchange.analytics import SearchLog
from exchange.app import create_app
from exchange.popular import PopularQueries
from exchange.store.keys import issue_key, parse_scopes


@pytest.fixture
def search_log(zq) -> SearchLog:
    return SearchLog(zq.store, flush_seconds=3600)


@pytest.fixture
def client(zq, search_log) -> testing.TestClient:
    popular = PopularQueries(zq.store, ttl_seconds=0)
    return testing.TestClient(create_app(zq.config, zq.store, zq.reader, search_log, popular))


@pytest.fixture
def key(zq):
    """``key(scopes, site=None)``: the bearer header of a new key."""

    def issue(scopes: str = "admin", site: str | None = None) -> dict[str, str]:
        issued = issue_key(zq.store, site, parse_scopes(scopes), "test", "test")
        return {"Authorization": f"Bearer {issued.token}"}

    return issue
