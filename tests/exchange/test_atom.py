"""Atom feeds per site and per column, read by feedparser; RFC 6721 tombstones read from the
XML itself (feedparser does not report them)."""

import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, unquote, urlsplit

import feedparser

from tests.conftest import record

TOMBSTONES = "{http://purl.org/atompub/tombstones/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"


def atom(api, path: str, **params):
    response = api.get(path, **params)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    return feedparser.parse(response.content), ET.fromstring(response.content)


def tombstones(root: ET.Element) -> list[tuple[str, str]]:
    return [(t.get("ref"), t.get("when")) for t in root.iter(f"{TOMBSTONES}deleted-entry")]


def test_a_site_feed_with_entries_and_tombstones(api):
    api.push(
        "city",
        [
            record(
                "1",
                "住房公积金缴存基数调整公告",
                "根据有关规定。\x0b",
                url="https://www.baoshan.gov.cn/1.html",
                column="政务公开/通知公告",
                doc_type="政府文件",
                issuer="保山市住房公积金管理中心",
            ),
            record("2", "市政府常务会议", column="要闻动态"),
            record("3", "即将撤回的通知", column="政务公开/通知公告"),
            record("4", "不公开的内部通报", public=False),
            record("5", "有条件共享的文件", share="conditional"),
        ],
    )
    api.push("city", [{"id": "3", "deleted": True}])
    feed, root = atom(api, "/feeds/530500")
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "保山市人民政府"
    assert [e.title for e in feed.entries] == ["市政府常务会议", "住房公积金缴存基数调整公告"]
    first = feed.entries[1]
    assert first.id == "tag:zhanqun,2024:530500/1"
    assert first.link == "https://www.baoshan.gov.cn/1.html"
    assert first.author == "保山市住房公积金管理中心"
    assert first.content[0].value == "根据有关规定。"  # the control character is gone
    assert first.published == "2024-05-01T00:00:00+08:00"
    assert {t.term for t in first.tags} == {"政府文件", "政务公开/通知公告"}
    # The withdrawal is a tombstone in change order, newest first; what anyone may not read
    # (not public, not unconditionally shared) and never could is not there at all.
    [(ref, when)] = tombstones(root)
    assert ref == "tag:zhanqun,2024:530500/3" and when.endswith("Z")
    order = [
        child.get("ref") or child.find(f"{ATOM}id").text
        for child in root
        if child.tag in (f"{ATOM}entry", f"{TOMBSTONES}deleted-entry")
    ]
    assert order == [f"tag:zhanqun,2024:530500/{i}" for i in ("3", "2", "1")]


def test_a_column_feed_and_paging(api):
    api.push(
        "county", [record(str(i), f"通知公告{i}", column="政务公开/通知公告") for i in range(5)]
    )
    api.push("county", [record("x", "工作动态", column="工作动态")])
    feed, _ = atom(api, "/feeds/530521/政务公开/通知公告", limit="2")
    assert feed.feed.title == "施甸县人民政府 · 政务公开/通知公告"
    assert [e.title for e in feed.entries] == ["通知公告4", "通知公告3"]
    titles = [e.title for e in feed.entries]
    while "next" in {link.rel for link in feed.feed.links}:
        url = urlsplit(next(link.href for link in feed.feed.links if link.rel == "next"))
        feed, _ = atom(api, unquote(url.path), **dict(parse_qsl(url.query)))
        titles += [e.title for e in feed.entries]
    assert titles == [f"通知公告{i}" for i in (4, 3, 2, 1, 0)]


def test_narrowing_a_record_leaves_a_tombstone_for_feed_readers(api):
    api.push("city", [record("1", "先公开后收回")])
    api.push("city", [record("1", "先公开后收回", public=False)])
    feed, root = atom(api, "/feeds/530500")
    assert feed.entries == []
    assert [ref for ref, _ in tombstones(root)] == ["tag:zhanqun,2024:530500/1"]


def test_unknown_site_column_and_bad_parameters(api):
    assert api.get("/feeds/999999").json["error"]["code"] == "unknown_site"
    assert api.get("/feeds/530500/没有/这个栏目").json["error"]["code"] == "unknown_column"
    bad = api.get("/feeds/530500", limit="0")
    assert (bad.status_code, bad.json["error"]["code"]) == (400, "invalid_input")
