"""Confidentiality review (保密审核): classified items are held, never indexed or fed, until the
operator releases them; decisions are changes and are audited."""

from exchange import cli
from exchange.classification import MARKS_FILE, Marks
from exchange.store.audit import recent_entries
from indexer.engine.searching import IndexReader, SearchRequest, search
from tests.conftest import record

CLASSIFIED = record("s1", "关于边境管控的请示", "秘密★1年\n正文：有关部署如下。")


def test_a_held_item_is_not_indexed_not_fed_and_only_the_operator_sees_it(api, zq):
    pushed = api.push("city", [CLASSIFIED, record("p1", "边境口岸通关指南")])
    assert [r["outcome"] for r in pushed.json["results"]] == ["held", "created"]
    zq.index()
    assert zq.keys("边境") == {"530500/p1"}
    # Peers and the site itself get nothing of it: held from the start, it never reached them.
    for who in ("county", "city"):
        titles = {e.get("title") for e in api.pull_all(who)}
        assert "关于边境管控的请示" not in titles
    queue = api.get("/v1/review", "operator").json["held"]
    assert [(h["id"], h["review"], h["body"]) for h in queue] == [
        ("s1", "held", "秘密★1年\n正文：有关部署如下。")
    ]
    # Pushing the same content again keeps it held and takes no new number.
    again = api.push("city", [CLASSIFIED])
    assert again.json["results"][0]["outcome"] == "held" and "seq" not in again.json["results"][0]


def test_release_by_api_makes_it_a_new_change_that_readers_and_the_index_take(api, zq):
    api.push("city", [CLASSIFIED])
    start = api.changes("county")
    decided = api.client.simulate_post(
        "/v1/review/530500/s1",
        json={"decision": "release", "note": "已脱密，经办公室审核可公开"},
        headers=api.headers("operator"),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json["review"] == "released" and decided.json["seq"] == 2
    page = api.changes("county", since=start["next"])
    assert [(e["id"], e["review"]) for e in page["changes"]] == [("s1", "released")]
    zq.index()
    assert zq.keys("边境管控") == {"530500/s1"}
    assert api.get("/v1/review", "operator").json["held"] == []
    [entry] = recent_entries(zq.store, action="review.release")
    assert entry.site == "530500" and entry.target == "s1"
    assert entry.detail == {"seq": 2, "note": "已脱密，经办公室审核可公开", "client": "127.0.0.1",
                            "proxy": None}  # fmt: skip
    # A decision is taken once.
    twice = api.client.simulate_post(
        "/v1/review/530500/s1", json={"decision": "reject"}, headers=api.headers("operator")
    )
    assert (twice.status_code, twice.json["error"]["code"]) == (409, "not_held")


def test_review_decisions_need_a_cluster_admin_key_and_valid_input(api):
    api.push("city", [CLASSIFIED])
    url = "/v1/review/530500/s1"
    as_site = api.client.simulate_post(
        url, json={"decision": "release"}, headers=api.headers("city")
    )
    assert as_site.json["error"]["code"] == "cluster_key_required"
    for body, code in (({"decision": "publish"}, "invalid_input"), ({}, "missing_field")):
        response = api.client.simulate_post(url, json=body, headers=api.headers("operator"))
        assert (response.status_code, response.json["error"]["code"]) == (400, code)
    bad_json = api.client.simulate_post(url, body=b"{", headers=api.headers("operator"))
    assert bad_json.json["error"]["code"] == "malformed_json"
    unknown = api.client.simulate_post(
        "/v1/review/530500/nope", json={"decision": "reject"}, headers=api.headers("operator")
    )
    assert (unknown.status_code, unknown.json["error"]["code"]) == (404, "unknown_record")


def test_a_record_that_becomes_classified_is_withdrawn_from_readers_and_the_index(api, zq):
    api.push("city", [record("1", "工作方案", "正文")])
    zq.index()
    before = api.changes("county")
    assert zq.keys("工作方案") == {"530500/1"}
    api.push("city", [record("1", "工作方案", "内部资料 注意保存\n正文")])
    page = api.changes("county", since=before["next"])
    assert page["changes"] == [{"site": "530500", "id": "1", "seq": 2, "deleted": True}]
    zq.index()
    assert indexed_keys(zq, "工作方案") == set()


def indexed_keys(zq, text: str) -> set[str]:
    """What the index holds, through a reader opened now."""
    reader = IndexReader(zq.config.index_dir, refresh_seconds=0)
    try:
        return {hit.key for hit in search(reader, SearchRequest(text=text)).hits}
    finally:
        reader.close()


def test_reject_by_the_command_line_and_the_operators_own_marks(zq, config, capsys):
    (config.data_dir / MARKS_FILE).write_text("# 本单位补充\n工作秘密\n", encoding="utf-8")
    marks = Marks.load(config.data_dir)
    assert marks.find("", "属于 工作 秘密 事项") == "工作秘密"
    assert Marks.load().find("", "属于工作秘密事项") is None
    zq.push("530500", record("w1", "機密★ 某项目资料"))  # traditional characters are caught
    args = ["--data-dir", str(config.data_dir)]
    assert cli.main(["review", "list", *args]) == 0
    assert "530500\tw1\tv1\t機密★ 某项目资料" in capsys.readouterr().out
    assert cli.main(["review", "reject", "530500", "w1", "--note", "涉密", *args]) == 0
    assert "530500/w1 rejected" in capsys.readouterr().out
    assert cli.main(["review", "release", "530500", "w1", *args]) == 2
    assert "not_held" in capsys.readouterr().err
    [entry] = recent_entries(zq.store, action="review.reject")
    assert entry.actor.startswith("cli") and entry.detail["note"] == "涉密"
    # The same content pushed again stays refused; new content is screened afresh.
    assert zq.push("530500", record("w1", "機密★ 某项目资料"))[0].outcome == "rejected"
    assert zq.push("530500", record("w1", "某项目公开资料"))[0].outcome == "updated"


# A grade heading the title or the body, with a hollow star, a full star or none, is a mark.
BARE_MARKS = [
    ("绝密 关于边境管控的请示", "正文"),
    ("机密☆ 某项目资料", "正文"),
    ("机密☆关于某项目的报告", "正文"),
    ("【秘密】关于调整部署的通知", "正文"),
    ("絕密 關於邊境的請示", "正文"),  # traditional characters
    ("秘密", "正文"),
    ("关于某项目的报告", "机密\n正文"),
    ("关于某项目的报告", "000123\n秘密\n特急\n正文"),  # after the copy number (份号)
    ("关于某项目的报告", "密级：机密\n正文"),
    ("关于某项目的报告", "秘密 1年\n正文"),
    ("关于某项目的报告", "机密（6个月）\n正文"),
    ("关于某项目的报告", "  绝密启用前\n试题"),
]
# The same words as prose: mid-title, run into a word, or deep in the body.
NOT_MARKS = [
    ("电影《绝密档案》今日上映", "影片讲述了一段往事。"),
    ("纪录片绝密档案今晚播出", "正文"),
    ("绝密档案：七十年前的地下交通站", "正文"),
    ("机密文件管理办法", "正文"),
    ("秘密花园主题公园开放", "正文"),
    ("守护 秘密 的人", "正文"),
    ("工作简报", "秘密花园开放了\n正文"),
    ("关于保密工作的通知", "各单位要做好机密 文件的管理。"),
    ("工作简报", "本期要点。\n绝密 档案管理要求见附件。"),
]


def test_a_bare_grade_heading_a_title_or_body_is_held_and_prose_is_not(api):
    items = [record(f"m{n}", title, body) for n, (title, body) in enumerate(BARE_MARKS)]
    items += [record(f"p{n}", title, body) for n, (title, body) in enumerate(NOT_MARKS)]
    results = api.push("city", items).json["results"]
    outcomes = {(i["title"], i["body"]): r["outcome"] for i, r in zip(items, results, strict=True)}
    assert outcomes == {
        **{pair: "held" for pair in BARE_MARKS},
        **{pair: "created" for pair in NOT_MARKS},
    }
    marks = {r["reason"].split()[4].rstrip(":") for r in results if r["outcome"] == "held"}
    assert marks == {"绝密", "机密", "秘密", "机密★"}  # the hollow star counts as the star
