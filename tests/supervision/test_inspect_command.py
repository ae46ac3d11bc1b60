"""``zhanqun inspect``: the report on stdout and an exit status cron can mail on."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from exchange.cli import main
from exchange.exit_codes import EXIT_INSPECTION_FAILED, EXIT_OK, EXIT_USAGE
from exchange.store.sites import add_column
from tests.conftest import record


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


@pytest.fixture
def inspect(config, capsys):
    def run(*args: str) -> tuple[int, str]:
        status = main(["inspect", "--data-dir", str(config.data_dir), *args])
        return status, capsys.readouterr().out

    return run


def test_exit_status_is_zero_when_every_inspected_site_passes(zq, inspect):
    add_column(zq.store, "530500", "首页/要闻动态", "news")
    zq.push("530500", record("1", "要闻", column="首页/要闻动态", published=days_ago(2)))
    status, out = inspect("--site", "530500")
    assert status == EXIT_OK
    assert "PASS 530500 保山市人民政府 (city)" in out
    assert out.rstrip().endswith("1 sites, 0 failed")


def test_exit_status_is_three_when_a_site_fails_and_the_report_says_why(zq, inspect):
    add_column(zq.store, "530521", "首页/要闻动态", "news")
    for i in range(5):
        add_column(zq.store, "530521", f"专题/空白{i}", "other")
    zq.push("530521", record("1", "要闻", column="首页/要闻动态", published=days_ago(15)))
    status, out = inspect("--site", "530521")
    assert status == EXIT_INSPECTION_FAILED
    assert "FAIL 530521 施甸县人民政府 (county)" in out
    assert "vetoes=homepage_not_updated,empty_columns" in out
    assert "    stale              首页/要闻动态 (news)" in out
    status, out = inspect("--branch", "530521", "--json")
    report = json.loads(out)
    assert status == EXIT_INSPECTION_FAILED
    assert {s["site"] for s in report["sites"]} == {"530521", "530521100"}
    county = next(s for s in report["sites"] if s["site"] == "530521")
    assert county["verdict"] == "fail" and county["counts"]["empty"] == 5


def test_only_failing_sites_listed_on_request_and_bad_input_refused(zq, inspect, config):
    add_column(zq.store, "530500", "首页/要闻动态", "news")
    zq.push("530500", record("1", "要闻", column="首页/要闻动态", published=days_ago(1)))
    status, out = inspect("--failing-only")
    assert status == EXIT_INSPECTION_FAILED
    assert "530500 " not in out and "FAIL 530521 " in out
    assert inspect("--site", "999999")[0] == EXIT_USAGE
    assert inspect("--inspection-rules", "news=fortnight")[0] == EXIT_USAGE
    # A looser rule lets the stale county pass: thresholds are the operator's to set.
    add_column(zq.store, "530521", "首页/要闻动态", "news")
    zq.push("530521", record("1", "要闻", column="首页/要闻动态", published=days_ago(15)))
    assert inspect("--site", "530521", "--inspection-rules", "news=3w")[0] == EXIT_OK
