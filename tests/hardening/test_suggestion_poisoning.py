"""Search-log poisoning: what strangers type never becomes what the public is offered. Spam
sent from one address or five, with operators, blocklisted words or as noise, never reaches
``/v1/suggest``, related searches or hot searches; a clean query asked by enough different
clients does; the operator hides any suggestion by the CLI or the dashboard, audited."""

import dataclasses

import pytest
from falcon import testing

from exchange.analytics import SearchLog
from exchange.app import create_app
from exchange.cli import main as zhanqun
from exchange.dashboard.session import COOKIE
from exchange.popular import PopularQueries
from exchange.store.audit import recent_entries
from exchange.store.keys import issue_key
from tests.conftest import record

FIVE = [f"203.0.113.{n}" for n in range(1, 6)]
OFF = "search=off search_key=off exchange=off exchange_key=off"
# What the issue's hostile user sent (operators make any text "find something").
SPAM = [
    "公积金 OR 加微信领取补贴",
    "公积金 OR 澳门博彩官网",
    "公积金 or 澳门博彩官网",
    '"',
    "-公积金",
    "公积金 -通知",
    '"住房公积金" 加微信',
    "alert",
    "x",
    "澳门博彩",  # plain, and it finds the news below: only the blocklist stops it
    "13987654321",  # found as typed (a record's phone number): only its shape stops it
    "www.example.com 公积金",
    "公积金 火星人",  # found only by leaving 火星人 out
    "公基金",  # found only as corrected, to 公积金
    "gongjijin",
]
SPAM_WORDS = ("微信", "博彩", "alert", "1398", "example", '"', "-公积金", " or ", "火星", "公基金",
              "gongjijin")  # fmt: skip


@dataclasses.dataclass
class Public:
    client: testing.TestClient
    log: SearchLog
    popular: PopularQueries

    def search(self, text: str, address: str = FIVE[0], **params) -> dict:
        answer = self.client.simulate_get(
            "/v1/search", params={"q": text, **params}, remote_addr=address
        )
        assert answer.status_code == 200, answer.text
        self.log.flush()  # as the worker's thread does every two seconds
        return answer.json

    def offered(self, prefix: str = "公积金", related_to: str = "住房公积金") -> set[str]:
        """Everything the public may be shown: hot searches, completions of ``prefix`` and the
        related searches of ``related_to``."""
        hot = {h["query"] for h in self.search("", address="198.51.100.200")["hot"]}
        suggest = self.client.simulate_get("/v1/suggest", params={"q": prefix, "limit": "20"})
        completions = {s["text"] for s in suggest.json["suggestions"]}
        related = set(self.search(related_to, address="198.51.100.200")["related"])
        return hot | completions | related


@pytest.fixture
def public(zq) -> Public:
    zq.push(
        "530500",
        record("1", "住房公积金提取办法", "职工可提取住房公积金。咨询电话：13987654321。"),
        record("2", "住房公积金缴存通知", "关于调整住房公积金缴存基数的通知。"),
        record("3", "澳门博彩业监管情况通报", "澳门特区政府通报博彩业监管情况。"),
        record("4", "澳门博彩业税收情况公布", "澳门特区博彩业税收情况。"),
    )
    zq.index()
    config = dataclasses.replace(zq.config, suggestions="clients=5", rate_limits=OFF)
    log = SearchLog(zq.store, flush_seconds=3600)
    popular = PopularQueries.from_config(config, zq.store, ttl_seconds=0)
    return Public(testing.TestClient(create_app(config, zq.store, zq.reader, log, popular)),
                  log, popular)  # fmt: skip


def spam_in(offered: set[str]) -> list[str]:
    return [text for text in offered for word in SPAM_WORDS if word in f" {text} "]


def test_spam_from_one_address_or_from_five_is_never_offered(public):
    for _ in range(15):
        for text in SPAM:
            public.search(text, FIVE[0])
    assert spam_in(public.offered()) == []
    for address in FIVE:
        for text in SPAM:
            public.search(text, address)
    # The titles' own phrases pass the blocklist too: they would complete 澳门 with 澳门博彩业.
    offered = public.offered() | public.offered("澳门", "澳门") | public.offered("公", "公基金")
    assert spam_in(offered) == [], offered
    assert "公积金" in offered  # what is not spam is still offered


def test_a_clean_query_is_offered_once_five_different_clients_asked_it(public):
    for address in FIVE[:4]:
        public.search("住房公积金提取", address)
    # Fifteen times from one address, four addresses, one /64 of rotating IPv6: not enough.
    for _ in range(15):
        public.search("住房公积金缴存", FIVE[0])
    for n in range(10):
        public.search("住房公积金缴存", f"2001:db8:7:7::{n + 1}")
    assert {"住房公积金提取", "住房公积金缴存"}.isdisjoint(public.offered())
    public.search("住房公积金提取", FIVE[4])
    hot = public.search("", address="198.51.100.200")["hot"]
    assert hot == [{"query": "住房公积金提取", "count": 5}]
    assert "住房公积金提取" in public.offered()
    related = public.search("公积金", address="198.51.100.200")["related"]
    assert "住房公积金提取" in related


def test_what_is_counted_is_normalised_folded_trimmed_and_deduplicated(public):
    spellings = [
        "住房公积金提取",
        " 住房公积金提取 ",
        "住房公積金提取",
        "住房公积金提取",
        "住房公积金提取",
    ]
    for address, text in zip(FIVE, spellings, strict=True):
        public.search(text, address)
    assert public.search("", address="198.51.100.200")["hot"] == [
        {"query": "住房公积金提取", "count": 5}
    ]


def test_the_operator_hides_a_suggestion_by_the_cli_audited(public, zq, config, capsys):
    for address in FIVE:
        public.search("住房公积金提取", address)
    assert "住房公积金提取" in public.offered()
    settings = ["--data-dir", str(config.data_dir), "--suggestions", "clients=5"]
    assert zhanqun(["suggestions", "list", *settings]) == 0
    assert "住房公积金提取\t5 clients\t5 searches" in capsys.readouterr().out
    assert zhanqun(["suggestions", "hide", "住房公积金提取", "--reason", "测试", *settings]) == 0
    assert "住房公积金提取" not in public.offered()
    # Title phrases too: anything the public may be offered can be hidden.
    assert "住房公积金" in public.offered("住房")
    assert zhanqun(["suggestions", "hide", "住房公积金", *settings]) == 0
    assert "住房公积金" not in public.offered("住房")
    assert zhanqun(["suggestions", "list", "--hidden", *settings]) == 0
    assert "住房公积金提取" in capsys.readouterr().out
    assert zhanqun(["suggestions", "show", "住房公积金提取", *settings]) == 0
    assert "住房公积金提取" in public.offered()
    assert zhanqun(["suggestions", "show", "从未隐藏", *settings]) == 2
    actions = [(e.action, e.target) for e in recent_entries(zq.store) if "suggestion" in e.action]
    assert actions == [("suggestion.show", "住房公积金提取"), ("suggestion.hide", "住房公积金"),
                       ("suggestion.hide", "住房公积金提取")]  # fmt: skip
    assert recent_entries(zq.store, action="suggestion.hide")[-1].actor.startswith("cli")


def test_the_operator_hides_a_suggestion_from_the_dashboard(public, zq):
    for address in FIVE:
        public.search("住房公积金提取", address)
    token = issue_key(zq.store, None, frozenset({"admin"}), "看板", "cli:test").token
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    login = public.client.simulate_post("/admin/login", body=f"key={token}", headers=form)
    cookies = {COOKIE: login.cookies[COOKIE].value}
    page = public.client.simulate_get("/admin", cookies=cookies).text
    assert "公开搜索建议" in page and "<td>住房公积金提取</td><td>5</td>" in page
    body = "action=hide&text=%E4%BD%8F%E6%88%BF%E5%85%AC%E7%A7%AF%E9%87%91%E6%8F%90%E5%8F%96"
    # Not without a session, not from another site's page.
    assert public.client.simulate_post("/admin/suggestions", body=body,
                                       headers=form).status_code == 303  # fmt: skip
    foreign = public.client.simulate_post("/admin/suggestions", body=body, cookies=cookies,
                                          headers={**form, "Origin": "https://evil.example"})  # fmt: skip
    assert foreign.status_code == 403
    assert "住房公积金提取" in public.offered()
    hidden = public.client.simulate_post("/admin/suggestions", body=body, cookies=cookies,
                                         headers=form)  # fmt: skip
    assert hidden.status_code == 303 and hidden.headers["location"] == "/admin#suggestions"
    assert "住房公积金提取" not in public.offered()
    page = public.client.simulate_get("/admin", cookies=cookies).text
    assert "已隐藏的搜索建议（1 个）" in page and "恢复展示" in page
    [entry] = recent_entries(zq.store, action="suggestion.hide")
    assert entry.target == "住房公积金提取" and entry.actor == f"key:{token[3:15]}"
    shown = public.client.simulate_post("/admin/suggestions", cookies=cookies, headers=form,
                                        body=body.replace("hide", "show"))  # fmt: skip
    assert shown.status_code == 303 and "住房公积金提取" in public.offered()
