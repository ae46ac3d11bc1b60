"""Writers at the same time, on the run's engine (SQLite, or PostgreSQL with
``ZHANQUN_TEST_DATABASE_URL``, where transactions really overlap and commit out of order).

The change feed must not skip or repeat a change although transactions take their numbers
early and commit late; two pushers creating the same record at once must both get an answer;
hosts opening a new store at the same moment must agree on one schema."""

import random
import threading
import time
from collections.abc import Callable

from exchange.classification import shipped_marks
from exchange.pulling import read_page
from exchange.record_input import parse_item
from exchange.store import open_store
from exchange.store.feed import read_changes
from exchange.store.migrations import store_id
from exchange.store.sharing import Audience
from exchange.store.writing import write_batch
from tests.conftest import record

SITES = ("530500", "530521", "530581", "530521100")


def run_all(jobs: list[Callable[[], None]]) -> list[BaseException]:
    """Run each job in a thread of its own; the exceptions they raised."""
    errors: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def write_then(store, site: str, items: list, then: Callable | None = None) -> list:
    """A batch written as push writes it, then ``then`` in the same transaction before it
    commits (with the connection and the results)."""
    with store.write() as conn:
        results = write_batch(conn, site, items, shipped_marks().find)
        if then is not None:
            then(conn, results)
    return results


def slow_commit(rng: random.Random) -> Callable:
    """Runs after the batch took its numbers and wrote its rows, so the transaction holds them
    a while before it commits."""
    return lambda conn, results: time.sleep(rng.uniform(0, 0.02))


def pull_while(store, writers: list[Callable[[], None]], limits=(1_000, 5)) -> list[list[dict]]:
    """Run the writers while pullers read the feed page by page through ``next`` cursors, as
    ``GET /v1/changes`` does: one with big pages, that keeps up with the head of the feed where
    late commits happen, one with small pages, that lags. Each puller's entries, in order."""
    done = threading.Event()
    pulled: list[list[dict]] = [[] for _ in limits]

    def puller(entries: list[dict], limit: int) -> None:
        cursor = None
        while True:
            finished = done.is_set()
            page = read_page(store, Audience.operator(), cursor, limit)
            entries += page["changes"]
            cursor = page["next"]
            if finished and not page["changes"]:
                return

    pullers = [
        threading.Thread(target=puller, args=pair) for pair in zip(pulled, limits, strict=True)
    ]
    for thread in pullers:
        thread.start()
    errors = run_all(writers)
    done.set()
    for thread in pullers:
        thread.join()
    assert not errors, errors
    return pulled


def test_a_puller_misses_nothing_while_transactions_commit_late(cluster):
    writers, batches, size = 6, 10, 5

    def writer(n: int) -> Callable[[], None]:
        rng = random.Random(n)

        def write() -> None:
            for b in range(batches):
                items = [
                    parse_item(record(f"w{n}-{b}-{i}", f"公告 {n} {b} {i}")) for i in range(size)
                ]
                write_then(cluster, SITES[n % len(SITES)], items, slow_commit(rng))
                time.sleep(rng.uniform(0, 0.01))

        return write

    for seen in pull_while(cluster, [writer(n) for n in range(writers)]):
        assert [e["seq"] for e in seen] == list(range(1, writers * batches * size + 1))
        assert len({(e["site"], e["id"]) for e in seen}) == len(seen)


def test_a_mirror_converges_while_records_keep_changing(cluster):
    """Updates move a record to a new number; a puller that applies what it reads ends with the
    store's state, and never reads a number twice or goes back."""

    def writer(n: int) -> Callable[[], None]:
        rng = random.Random(n)
        site = SITES[n]

        def write() -> None:
            for b in range(12):
                ids = rng.sample(range(10), 4)
                items = [parse_item(record(f"r{i}", f"第{b}稿 {site} {i}")) for i in ids]
                if b % 4 == 3:
                    gone = rng.choice([i for i in range(10) if i not in ids])
                    items.append(parse_item({"id": f"r{gone}", "deleted": True}))
                write_then(cluster, site, items, slow_commit(rng))
                time.sleep(rng.uniform(0, 0.01))

        return write

    pulled = pull_while(cluster, [writer(n) for n in range(len(SITES))])
    with cluster.read() as conn:
        final = {
            (c.site, c.local_id): (c.seq, c.deleted, "" if c.deleted else c.title)
            for c in read_changes(conn, 0, 10_000)
        }
    for entries in pulled:
        numbers = [e["seq"] for e in entries]
        assert numbers == sorted(set(numbers))
        copy = {(e["site"], e["id"]): (e["seq"], e["deleted"], e.get("title", "")) for e in entries}
        assert copy == final


def test_two_pushers_creating_the_same_record_at_once_both_get_an_answer(cluster):
    """The first holds its transaction open after writing the new record; the second, started
    meanwhile, waits for it and sees what it wrote — no unique-key violation (on PostgreSQL)."""
    first_wrote, second_started = threading.Event(), threading.Event()
    outcomes: dict[str, list[str]] = {}

    def hold(conn, results) -> None:
        first_wrote.set()
        second_started.wait(10)
        time.sleep(0.3)

    def push(name: str, title: str, then=None) -> Callable[[], None]:
        def run() -> None:
            if name != "first":
                first_wrote.wait(10)
                second_started.set()
            results = write_then(cluster, "530500", [parse_item(record("new", title))], then)
            outcomes[name] = [r.outcome for r in results]

        return run

    errors = run_all([push("first", "新公告", hold), push("second", "新公告")])
    assert not errors, errors
    assert outcomes == {"first": ["created"], "second": ["unchanged"]}

    first_wrote.clear()
    second_started.clear()
    errors = run_all([push("first", "另一则", hold), push("second", "另一则（更正）")])
    assert not errors, errors
    assert outcomes == {"first": ["updated"], "second": ["updated"]}
    with cluster.read() as conn:
        [change] = read_changes(conn, 0, 10)
    assert (change.title, change.version) == ("另一则（更正）", 3)


def test_a_cms_retrying_a_new_record_at_once_gets_200_every_time(api):
    """Several copies of one push arrive together (a CMS retrying on a timeout)."""
    barrier = threading.Barrier(6)
    answers = []

    def push() -> None:
        barrier.wait(10)
        answers.append(api.push("city", [record("retry", "同时重试的新公告")]))

    errors = run_all([push] * 6)
    assert not errors, errors
    assert sorted(a.status_code for a in answers) == [200] * 6, [a.text for a in answers]
    outcomes = sorted(a.json["results"][0]["outcome"] for a in answers)
    assert outcomes == ["created"] + ["unchanged"] * 5


def test_hosts_opening_a_new_store_at_once_agree_on_one_schema(config):
    barrier = threading.Barrier(4)
    identities: list[str] = []

    def open_one() -> None:
        barrier.wait(10)
        store = open_store(config.store_url)
        try:
            with store.read() as conn:
                identities.append(store_id(conn))
        finally:
            store.dispose()

    errors = run_all([open_one] * 4)
    assert not errors, errors
    assert len(identities) == 4 and len(set(identities)) == 1
