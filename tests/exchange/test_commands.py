"""The exchange verbs of the ``zhanqun`` command, run in process: keys, grants, audit."""

import pytest

from exchange import cli
from exchange.store.keys import authenticate


@pytest.fixture
def run(cluster, config, capsys):
    """``run(*args)``: the command's exit code, stdout and stderr."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = cli.main([*args, "--data-dir", str(config.data_dir)])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_keys_are_shown_once_rotated_revoked_and_listed(run, cluster):
    code, out, err = run(
        "keys", "issue", "--site", "530521", "--scopes", "push,pull", "--label", "施甸县 CMS"
    )
    assert code == 0 and "shown only this once" in err
    summary, token = out.splitlines()
    key = authenticate(cluster, token)
    assert summary == f"issued key {key.id} for site 530521 with scopes pull,push"
    code, out, _ = run("keys", "list")
    assert out.splitlines() == [f"{key.id}\t530521\tpull,push\tactive\t施甸县 CMS"]
    assert token not in out
    code, out, _ = run("keys", "rotate", key.id)
    new_token = out.splitlines()[-1]
    assert code == 0 and new_token != token and authenticate(cluster, new_token).id == key.id
    assert run("keys", "revoke", key.id)[0] == 0
    assert run("keys", "list", "--site", "530521")[1].split("\t")[3] == "revoked"
    code, out, _ = run("keys", "issue", "--cluster", "--scopes", "admin")
    assert "for the cluster with scopes admin" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("keys", "issue", "--site", "530500", "--scopes", "read"), 2, "invalid_input"),
        (("keys", "issue", "--site", "999999", "--scopes", "pull"), 2, "unknown_site"),
        (("keys", "revoke", "000000000000"), 2, "unknown_key"),
        (("grants", "add", "530500", "999999"), 2, "unknown_site"),
        (("grants", "add", "530500", "530500"), 2, "invalid_input"),
        (("review", "release", "530500", "nope"), 2, "unknown_record"),
        (("pull", "--from", "http://127.0.0.1:9", "--key", "zq_x"), 69, "peer_unavailable"),
        (("pull", "--from", "http://127.0.0.1:9", "--key", "@/no/such/file"), 2, "cannot read"),
        (("pull", "--from", "http://127.0.0.1:9", "--key", "k", "--limit", "0"), 2, "--limit"),
    ],
)
def test_mistakes_are_friendly_errors_with_exit_codes(run, args, code, message):
    exit_code, _, err = run(*args)
    assert exit_code == code and message in err


def test_grants_and_the_audit_log(run):
    assert run("grants", "add", "530500", "530521")[1].strip() == (
        "530521 may pull the conditional records of 530500"
    )
    assert "already granted" in run("grants", "add", "530500", "530521")[1]
    assert run("grants", "list", "--site", "530521")[1].startswith("530500\t530521\t")
    assert "withdrawn" in run("grants", "remove", "530500", "530521")[1]
    assert "was not granted" in run("grants", "remove", "530500", "530521")[1]
    assert run("sites", "close", "530581")[0] == 0
    _, out, _ = run("audit", "--limit", "3")
    lines = [line.split("\t") for line in out.splitlines()]
    assert [(f[2], f[3], f[4]) for f in lines] == [
        ("site.close", "530581", "-"),
        ("grant.remove", "530500", "530521"),
        ("grant.add", "530500", "530521"),
    ]
    assert all(f[1].startswith("cli") for f in lines)
    assert run("audit", "--action", "grant.add")[1].count("grant.add") == 1


def test_import_screens_with_the_operators_marks_and_is_audited(run, config, tmp_path):
    (config.data_dir / "classification_marks.txt").write_text("工作秘密\n", encoding="utf-8")
    lines = [
        '{"id": "1", "title": "公开的通知", "body": "正文"}',
        '{"id": "2", "title": "某事项（工作秘密）", "body": "正文"}',
    ]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run("import", str(path), "--site", "530500")
    assert code == 0 and "created=1 held=1" in out
    assert "import\t530500" in run("audit", "--action", "import")[1]
