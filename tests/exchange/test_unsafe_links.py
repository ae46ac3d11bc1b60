"""A record's ``url`` is a link only when it is an absolute http(s) URL: a push or an import
refuses any other, whatever its spelling, and a record stored with one before that rule is
never published as a link — not in Atom, OAI-PMH, the change feed, ``/v1/search`` or a
click's redirect."""

import orjson

from exchange import cli, exit_codes
from exchange.mirror import as_push_item
from tests.conftest import record, store_url_as_before

UNSAFE = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://ftp.baoshan.gov.cn/1.txt",
    "//evil.example/1.html",
    "/art/2024/1.html",
    "http:/art/1.html",
    "https://",
]
SAFE = "https://www.baoshan.gov.cn/art/2024/5/1/art_1.html"


def test_a_push_rejects_every_url_that_is_not_an_absolute_web_address(api):
    items = [record(f"u{n}", "测试链接", url=url) for n, url in enumerate(UNSAFE)]
    items += [record("ok", "测试链接", url=SAFE), record("upper", "测试", url="HTTP://A.CN/1")]
    results = api.push("city", items).json["results"]
    assert [r["outcome"] for r in results] == ["rejected"] * len(UNSAFE) + ["created"] * 2
    for result in results[: len(UNSAFE)]:
        assert (result["code"], result["field"]) == ("invalid_url", "url"), result
        assert result["reason"] == "url must be an absolute http:// or https:// address"


def test_an_import_reports_an_unsafe_url_by_line(zq, config, tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    lines = [record("1", "第一条", url=SAFE), record("2", "第二条", url="javascript:alert(1)")]
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")
    code = cli.main(["import", str(path), "--site", "530500", "--data-dir", str(config.data_dir)])
    assert code == exit_codes.EXIT_DATA
    assert f"{path}:2: invalid_url (url):" in capsys.readouterr().err


def test_a_url_stored_before_the_rule_is_never_published_as_a_link(api, zq):
    api.push("city", [record("safe", "森林防火通告", url=SAFE),
                      record("evil", "森林防火须知", url=SAFE)])  # fmt: skip
    store_url_as_before(zq.store, "530500", "evil", " JaVaScRiPt:alert(document.cookie)")
    zq.index()

    hits = api.get("/v1/search", q="森林防火").json["hits"]
    assert {h["id"]: h["url"] for h in hits} == {"safe": SAFE, "evil": ""}

    feed = api.get("/feeds/530500")
    assert feed.status_code == 200
    assert f'href="{SAFE}"' in feed.text and "cookie" not in feed.text.lower()

    oai = api.get("/oai", verb="ListRecords", metadataPrefix="oai_dc")
    assert f"<dc:identifier>{SAFE}</dc:identifier>" in oai.text
    assert "cookie" not in oai.text.lower()

    pulled = {c["id"]: c["url"] for c in api.changes("operator")["changes"]}
    assert pulled == {"safe": SAFE, "evil": ""}
    assert api.get("/v1/records/530500/evil", "operator").json["url"] == ""

    for stored in (" JaVaScRiPt:alert(document.cookie)", "https:///no-host"):
        store_url_as_before(zq.store, "530500", "evil", stored)
        click = api.client.simulate_get("/click", params={"r": "530500/evil", "q": "森林防火"})
        assert (click.status_code, click.json["error"]["code"]) == (404, "no_page")
    assert api.client.simulate_get("/click", params={"r": "530500/safe"}).headers[
        "location"] == SAFE  # fmt: skip


def test_a_mirror_copies_a_peers_record_without_its_unsafe_link():
    entry = {"site": "530500", "seq": 7, "id": "old", "title": "旧记录", "body": "正文"}
    assert as_push_item({**entry, "url": "javascript:alert(1)"}).url == ""
    assert as_push_item({**entry, "url": SAFE}).url == SAFE
