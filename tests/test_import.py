"""``zhanqun import``: bad lines are reported by number and skip only themselves."""

import orjson
import pytest

from exchange import cli, exit_codes
from exchange.errors import NotFound
from exchange.importing import import_file
from exchange.record_input import MAX_BODY
from exchange.store.feed import read_changes
from tests.conftest import record


def write_jsonl(path, lines):
    with open(path, "wb") as handle:
        for line in lines:
            handle.write(line if isinstance(line, bytes) else orjson.dumps(line))
            handle.write(b"\n")
    return path


def test_bad_lines_are_reported_and_good_lines_imported(zq, tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            record("1", "第一条"),
            b'{"id": "2", "title": "broken',
            {"id": "3", "body": "没有标题"},
            record("4", "日期错误", published="2024-13-45"),
            record("5", "过长", "长" * (MAX_BODY + 1)),
            b"[1, 2, 3]",
            b"",
            record("6", "第六条", published="2024-02-29T09:30:00"),
        ],
    )
    report = import_file(zq.store, path, "530500")
    problems = [(e.line, e.code, e.field) for e in report.errors]
    assert problems == [
        (2, "malformed_json", None),
        (3, "missing_field", "title"),
        (4, "invalid_date", "published"),
        (5, "too_large", "body"),
        (6, "not_an_object", None),
    ]
    assert str(report.errors[0]).startswith(f"{path}:2: malformed_json")
    assert dict(report.outcomes) == {"created": 2}
    with zq.store.read() as conn:
        assert [c.local_id for c in read_changes(conn, 0, 10)] == ["1", "6"]


def test_reimport_changes_nothing(zq, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [record(str(i), f"公告{i}") for i in range(5)])
    import_file(zq.store, path, "530500")
    again = import_file(zq.store, path, "530500")
    assert dict(again.outcomes) == {"unchanged": 5}


def test_corpus_shaped_lines_are_accepted(zq, tmp_path):
    line = {
        "id": "govpages-1",
        "title": "国务院常务会议",
        "body": "会议指出……",
        "published": None,
        "source": "中国政府网",
        "url": None,
    }
    report = import_file(zq.store, write_jsonl(tmp_path / "c.jsonl", [line]), "530500")
    assert not report.errors
    with zq.store.read() as conn:
        [change] = read_changes(conn, 0, 10)
    assert change.issuer == "中国政府网" and change.published is None


def test_unknown_site_is_refused_before_reading(zq, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [record("1", "公告")])
    with pytest.raises(NotFound):
        import_file(zq.store, path, "000000")


def test_cli_exit_codes_and_messages(zq, tmp_path, capsys):
    data = ["--data-dir", str(zq.config.data_dir)]
    good = write_jsonl(tmp_path / "good.jsonl", [record("1", "公告")])
    bad = write_jsonl(tmp_path / "bad.jsonl", [record("2", "公告"), b"{oops"])
    assert cli.main(["import", str(good), "--site", "530500", *data]) == exit_codes.EXIT_OK
    assert "created=1" in capsys.readouterr().out
    assert cli.main(["import", str(bad), "--site", "530500", *data]) == exit_codes.EXIT_DATA
    captured = capsys.readouterr()
    assert f"{bad}:2: malformed_json" in captured.err
    assert "created=1" in captured.out and "rejected=1" in captured.out
    assert cli.main(["import", str(good), "--site", "nope", *data]) == exit_codes.EXIT_USAGE
    assert "unknown_site" in capsys.readouterr().err
    assert cli.main(["import", str(tmp_path / "missing.jsonl"), "--site", "530500", *data]) == 2
