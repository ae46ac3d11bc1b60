"""Do two versions of the search code answer the benchmark's queries the same?

    python -m bench.same_results WORKDIR --save BEFORE.json [--typical N]
    python -m bench.same_results WORKDIR --check BEFORE.json

Run once with the old code (``--save``) and once with the new (``--check``), on the same
index (a work directory kept by ``python -m bench.scale --keep``). Every request of the fixed
mix and ``--typical`` distinct typical queries is searched as the benchmark searches it, and
its total, facet counts, correction and page of hits (keys, in order, with their scores) are
compared. Exits 1 and lists the differences if there are any.

Scores carry the recency factor, measured from the moment of the search: both runs search
as at one fixed moment (:data:`MOMENT`), so that equal code gives equal floats.
"""

import argparse
import sys
from datetime import datetime
from pathlib import Path

import orjson

MOMENT = datetime(2026, 7, 1, 12, 0)


class _Frozen(datetime):
    @classmethod
    def now(cls, tz=None) -> datetime:
        return MOMENT


def answers(workdir: Path, typical: int, seed: int) -> dict[str, dict]:
    import indexer.engine.searching
    from bench.scale_phases import store_url
    from bench.scale_queries import MIX, generated, label, search_requests
    from exchange.store import open_store
    from exchange.store.sites import all_sites
    from indexer.engine.searching import IndexReader, search

    indexer.engine.searching.datetime = _Frozen
    data = workdir / "city" / "data"
    store = open_store(store_url(data))
    with store.read() as conn:
        sites = all_sites(conn)
    store.dispose()
    mix = [*MIX, *generated(workdir / "subset.jsonl", typical, seed)]
    reader = IndexReader(data / "index")
    out = {}
    for (_kind, params), request in zip(mix, search_requests(sites, mix), strict=True):
        result = search(reader, request)
        out[label(params)] = {
            "total": result.total,
            "facets": result.facets,
            "correction": result.correction.query if result.correction else None,
            "hits": [[hit.key, hit.score] for hit in result.hits],
            "snippets": [[hit.title, hit.snippet] for hit in result.hits],
        }
    reader.close()
    return out


def differences(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    found = []
    for query, old in before.items():
        new = after.get(query)
        if new is None:
            found.append(f"{query}: not asked")
            continue
        for part in ("total", "facets", "correction", "hits", "snippets"):
            if old[part] != new[part]:
                found.append(f"{query}: {part} {_short(old[part])} → {_short(new[part])}")
    return found


def _short(value) -> str:
    text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return text if len(text) <= 300 else text[:300] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.same_results", description=__doc__)
    parser.add_argument("workdir", type=Path)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, metavar="FILE")
    group.add_argument("--check", type=Path, metavar="FILE")
    parser.add_argument("--typical", type=int, default=300, metavar="N")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    found = answers(args.workdir, args.typical, args.seed)
    if args.save:
        args.save.write_bytes(orjson.dumps(found, option=orjson.OPT_NON_STR_KEYS))
        print(f"{len(found)} answers saved to {args.save}")
        return 0
    before = orjson.loads(args.check.read_bytes())
    diffs = differences(before, found)
    for line in diffs:
        print(line)
    print(f"{len(before)} requests, {len(diffs)} differences", file=sys.stderr)
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
