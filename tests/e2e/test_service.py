"""End to end: sites, import and index through the ``zhanqun`` command, search over HTTP on a
real gunicorn, and a running server that picks up new commits and a new generation."""

import json
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import Server, poll, run_zhanqun, start_zhanqun

pytestmark = pytest.mark.e2e

CITY = [
    {
        "id": "gb-2024-1",
        "title": "关于转发国务院办公厅政务公开工作要点的通知",
        "body": "各县（区）人民政府：现将国务院办公厅印发的政务公开工作要点转发给你们，请认真贯彻落实。",
        "published": "2024-04-02",
        "column": "政务公开/通知公告",
        "doc_type": "notice",
    },
    {
        "id": "gb-2024-2",
        "title": "市政府办公厅召开季度工作调度会",
        "body": "市政府办公厅召开会议，传达学习国务院常务会议精神，部署下一阶段重点工作。",
        "published": "2024-04-10",
        "column": "要闻动态",
    },
    {
        "id": "gb-2024-3",
        "title": "保山市住房公积金缴存基数调整公告",
        "body": "根据有关规定，现将2024年度住房公积金缴存基数调整事项公告如下。",
        "published": "2024-05-06",
        "column": "政务公开/通知公告",
    },
]
COUNTY = [
    {
        "id": "sd-88",
        "title": "施甸县乡村振兴工作推进会召开",
        "body": "会议要求各乡镇抓好产业发展，巩固拓展脱贫攻坚成果。",
        "published": "2024-05-08",
    },
    {
        "id": "sd-89",
        "title": "施甸县医疗保障局参保缴费指南",
        "body": "城乡居民医疗保险参保缴费办法。",
    },
]
LATE = {
    "id": "gb-2024-9",
    "title": "高黎贡山自然保护区生态保护工作情况通报",
    "body": "高黎贡山自然保护区管护局通报2024年第二季度生态保护工作情况。",
    "published": "2024-06-01",
}


def write_jsonl(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), "utf-8")
    return path


def ids(body: dict) -> set[str]:
    return {f"{hit['site']}/{hit['id']}" for hit in body["hits"]}


def search(server: Server, text: str, **params: str) -> dict:
    status, body = server.get("/v1/search", q=text, **params)
    assert status == 200, body
    return body


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data dir with two sites, their records imported and indexed by the command line."""
    data = tmp_path / "data"
    run_zhanqun(data, "sites", "add", "530500", "保山市人民政府", "--tier", "city")
    run_zhanqun(
        data, "sites", "add", "530521", "施甸县人民政府", "--tier", "county", "--parent", "530500"
    )
    listed = run_zhanqun(data, "sites", "list").stdout.splitlines()
    assert listed == [
        "530500\t保山市人民政府\tcity\t-\topen",
        "530521\t施甸县人民政府\tcounty\t530500\topen",
    ]
    for site, items in (("530500", CITY), ("530521", COUNTY)):
        jsonl = write_jsonl(tmp_path / f"{site}.jsonl", items)
        done = run_zhanqun(data, "import", str(jsonl), "--site", site)
        assert f"created={len(items)}" in done.stdout and "rejected=0" in done.stdout
    indexed = run_zhanqun(data, "index", "--quiet")
    assert re.search(r"rebuild gen=1 seq=0->5 added=5 ", indexed.stdout), indexed.stdout
    return data


def test_search_over_http(data_dir: Path, serve) -> None:
    server = serve(data_dir)

    status, health = server.get("/healthz")
    assert status == 200
    assert health == {"status": "ok", "checks": {"store": "ok", "index": "ok"}, "generation": 1}

    # Adjacent words only: "办公厅 … 国务院" in gb-2024-2 is not the phrase 国务院办公厅.
    for query in ("国务院办公厅", '"国务院办公厅"'):
        body = search(server, query)
        assert ids(body) == {"530500/gb-2024-1"}, query
        assert body["total"] == 1 and body["generation"] == 1
        hit = body["hits"][0]
        assert "<mark>国务院办公厅</mark>" in hit["title"]
        assert "<mark>国务院办公厅</mark>" in hit["snippet"]
        assert hit["site_name"] == "保山市人民政府" and hit["tier"] == "city"
    assert ids(search(server, "国务院")) == {"530500/gb-2024-1", "530500/gb-2024-2"}

    # Scopes: the county alone, and the city with the county below it.
    assert ids(search(server, "缴费", site="530521")) == {"530521/sd-89"}
    branch = search(server, "", site="530500", scope="branch", size="50")
    assert branch["total"] == 5
    assert ids(search(server, "", site="530521", scope="branch", size="50")) == {
        "530521/sd-88",
        "530521/sd-89",
    }

    # Sorted by date: newest first; a record without a date (sd-89) is served too, and no hit
    # carries Whoosh's sort key (beyond 64 bits for an undated record) as its score.
    newest = search(server, "国务院", sort="newest")
    assert [hit["id"] for hit in newest["hits"]] == ["gb-2024-2", "gb-2024-1"]
    undated = search(server, "施甸县", sort="newest")
    assert ids(undated) == {"530521/sd-88", "530521/sd-89"}
    assert all(h["score"] == 0 for h in newest["hits"] + undated["hits"] + branch["hits"])

    status, body = server.get("/no/such/path")
    assert status == 404
    assert body["error"]["code"] == "not_found" and body["error"]["message"]

    status, body = server.get("/v1/search", q="公积金", page="abc")
    assert status == 400
    assert body["error"]["code"] == "invalid_input" and body["error"]["field"] == "page"


def test_running_server_follows_the_indexer(data_dir: Path, tmp_path: Path, serve) -> None:
    server = serve(data_dir)
    assert search(server, "高黎贡山")["total"] == 0

    # An incremental run commits to the live generation: found without a restart.
    run_zhanqun(data_dir, "import", str(write_jsonl(tmp_path / "late.jsonl", [LATE])),
                "--site", "530500")  # fmt: skip
    assert "incremental gen=1" in run_zhanqun(data_dir, "index", "--quiet").stdout

    def found_everywhere() -> bool:
        # Several requests in a row, so that both workers have been asked.
        return all(ids(search(server, "高黎贡山")) == {"530500/gb-2024-9"} for _ in range(6))

    assert poll(found_everywhere, deadline=10), "the new record never became searchable"

    # A full rebuild runs while the server keeps answering from generation 1.
    rebuild = start_zhanqun(data_dir, "index", "--full", "--quiet")
    while rebuild.poll() is None:
        assert search(server, "公积金")["total"] == 1
    out, err = rebuild.communicate()
    assert rebuild.returncode == 0, err
    assert "rebuild gen=2 seq=0->6 added=6 " in out

    def on_generation_two() -> bool:
        return all(search(server, "高黎贡山")["generation"] == 2 for _ in range(6))

    assert poll(on_generation_two, deadline=10), "the server never opened generation 2"
    body = search(server, "高黎贡山")
    assert ids(body) == {"530500/gb-2024-9"}
    assert "<mark>高黎贡山</mark>" in body["hits"][0]["title"]
    status, health = server.get("/healthz")
    assert status == 200 and health["generation"] == 2
    assert server.process.poll() is None, server.output()


def test_each_worker_warms_the_index_before_its_first_request_also_when_recycled(
    data_dir: Path, serve, monkeypatch
) -> None:
    # One worker, recycled after every 4 requests: 10 requests are answered by 3 workers.
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--max-requests 4 --max-requests-jitter 0")
    server = serve(data_dir, workers="1")
    for _ in range(10):
        assert ids(search(server, "国务院")) == {"530500/gb-2024-1", "530500/gb-2024-2"}

    def warmed() -> list[dict]:
        lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
        return [line for line in lines if "warmed" in line.get("message", "")]

    assert poll(lambda: len(warmed()) >= 3, 30), server.output()
    assert all("index generation 1 warmed" in line["message"] for line in warmed())
