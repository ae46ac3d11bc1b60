"""``zhanqun bestbets``, run in process on the real store: add, list and remove best bets
(推荐结果), each audited; what cannot be pinned is refused with a reason and exit code 2."""

from datetime import UTC, datetime, timedelta

import pytest

from exchange import cli, exit_codes
from exchange.best_bets import DEFAULT_DAYS, last_day
from exchange.record_input import CLUSTER_TZ
from exchange.store.audit import recent_entries
from exchange.store.best_bets import add_best_bet, list_best_bets
from tests.conftest import record


@pytest.fixture
def run(zq, config, capsys):
    """``run(*args)``: the command's exit code, stdout and stderr."""
    zq.push("530500", record("guide", "保山市住房公积金提取办事指南"),
            record("held", "内部通知", public=False))  # fmt: skip
    zq.push("530521", record("gone", "已撤回的通知"))
    zq.push("530521", {"id": "gone", "deleted": True})

    def invoke(*args: str) -> tuple[int, str, str]:
        code = cli.main([*args, "--data-dir", str(config.data_dir)])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def cluster_today():
    return datetime.now(CLUSTER_TZ).date()


def test_a_best_bet_is_added_listed_and_removed_with_audit_entries(zq, run):
    last = cluster_today() + timedelta(days=30)
    code, out, err = run("bestbets", "add", "公積金  提取", "--record", "530500/guide",
                         "--branch", "530521", "--expires", last.isoformat(),
                         "--note", "办事指南")  # fmt: skip
    assert code == 0, err
    [bet] = list_best_bets(zq.store)
    assert out.startswith(f"pinned {bet.id}\t公积金 提取\tbranch 530521\t530500/guide\t")
    assert (bet.query, bet.branch, bet.site, last_day(bet)) == ("公积金 提取", "530521", None, last)
    code, out, _ = run("bestbets", "add", "社保", "--record", "530500/guide")
    assert code == 0 and "\tcluster\t" in out and "\t社保\t" in out
    code, out, _ = run("bestbets", "list")
    listed = {line.split("\t")[1]: line.split("\t") for line in out.splitlines()}
    assert set(listed) == {"公积金 提取", "社保"}
    assert listed["公积金 提取"] == [str(bet.id), "公积金 提取", "branch 530521", "530500/guide",
                                 "保山市住房公积金提取办事指南", f"until {last}", "active",
                                 bet.actor, "办事指南"]  # fmt: skip
    assert listed["社保"][5] == f"until {cluster_today() + timedelta(days=DEFAULT_DAYS)}"
    code, out, _ = run("bestbets", "remove", str(bet.id))
    assert code == 0 and out.startswith(f"removed {bet.id}\t公积金 提取")
    assert [b.query for b in list_best_bets(zq.store)] == ["社保"]
    entries = [(e.action, e.target, e.site) for e in recent_entries(zq.store)
               if e.action.startswith("bestbet.")]  # fmt: skip
    assert entries == [("bestbet.remove", "公积金 提取", "530521"),
                       ("bestbet.add", "社保", None),
                       ("bestbet.add", "公积金 提取", "530521")]  # fmt: skip
    added = recent_entries(zq.store, action="bestbet.add")[-1]
    assert added.actor.startswith("cli") and added.detail["record"] == "530500/guide"
    assert added.detail["note"] == "办事指南" and added.detail["applies_to"] == "branch"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--record", "530500/nope"], "unknown_record: no record 530500/nope"),
        (["--record", "nowhere/guide"], "unknown_record"),
        (["--record", "530500"], "invalid_record"),
        (["--record", "530521/gone"], "record_not_searchable: record 530521/gone is withdrawn"),
        (["--record", "530500/held"], "record_not_searchable: record 530500/held is not public"),
        (["--record", "530500/guide", "--site", "999999"], "unknown_site"),
        (["--record", "530500/guide", "--branch", "999999"], "unknown_site"),
        (["--record", "530500/guide", "--expires", "2020-01-01"], "expiry_in_past"),
        (["--record", "530500/guide", "--expires", "2999-01-01"], "expiry_too_far"),
    ],
)
def test_what_cannot_be_pinned_is_refused_and_not_audited(zq, run, args, message):
    code, out, err = run("bestbets", "add", "公积金", *args)
    assert code == exit_codes.EXIT_USAGE and out == ""
    assert message in err
    assert list_best_bets(zq.store, include_expired=True) == []
    assert recent_entries(zq.store, action="bestbet.add") == []


def test_usage_errors_exit_2(run):
    for args in (["--record", "530500/guide", "--site", "530500", "--branch", "530521"],
                 ["--record", "530500/guide", "--expires", "next week"], []):  # fmt: skip
        with pytest.raises(SystemExit) as exit_:
            run("bestbets", "add", "公积金", *args)
        assert exit_.value.code == exit_codes.EXIT_USAGE
    code, _, err = run("bestbets", "remove", "42")
    assert code == exit_codes.EXIT_USAGE and "unknown_best_bet" in err


def test_expired_best_bets_are_listed_only_with_all(zq, run):
    yesterday = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1)
    add_best_bet(zq.store, "旧活动", "530500", "guide", "cli:test", yesterday)
    assert run("bestbets", "add", "公积金", "--record", "530500/guide", "--site", "530521")[0] == 0
    code, out, _ = run("bestbets", "list")
    assert code == 0 and [line.split("\t")[1] for line in out.splitlines()] == ["公积金"]
    code, out, _ = run("bestbets", "list", "--all")
    listed = {line.split("\t")[1]: line for line in out.splitlines()}
    assert set(listed) == {"公积金", "旧活动"}
    assert "\tsite 530521\t" in listed["公积金"] and "\tactive\t" in listed["公积金"]
    assert "\texpired\t" in listed["旧活动"]
