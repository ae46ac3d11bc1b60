"""The naive baseline: Whoosh with Python jieba's bundled ``ChineseAnalyzer``, one writer.

This is how a Chinese Whoosh index is usually first written: a schema of ``id`` plus stored
``title`` and ``body`` TEXT fields analysed by :func:`jieba.analyse.ChineseAnalyzer`, every
document added through one ``index.writer()`` with Whoosh's default settings, one commit.
"""

import logging
import time
from pathlib import Path

from bench.corpus import documents
from bench.phases import cpu_seconds, memory, tree_bytes


def naive_phase(paths: list[str], index_dir: str) -> dict:
    """Index the items of ``paths`` (JSON Lines) naively; times add_document and commit only."""
    import jieba
    from jieba.analyse import ChineseAnalyzer
    from whoosh import fields
    from whoosh import index as whoosh_index

    jieba.setLogLevel(logging.WARNING)
    items = [item for path in paths for item in documents(Path(path))]
    docs = [
        (str(item["id"]), item.get("title") or "", item.get("body") or "")
        for item in items
        if isinstance(item, dict) and item.get("id") is not None
    ]
    chars = sum(len(title) + len(body) for _, title, body in docs)
    # jieba loads its dictionary lazily on first use; load it before the clock starts and
    # report the time separately (the project's figure includes its own rjieba set-up).
    t0 = time.perf_counter()
    jieba.initialize()
    init_seconds = time.perf_counter() - t0

    start_rss = memory()["rss_bytes"]
    cpu0 = cpu_seconds()
    started = time.perf_counter()
    analyzer = ChineseAnalyzer()
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True, analyzer=analyzer),
        body=fields.TEXT(stored=True, analyzer=analyzer),
    )
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    index = whoosh_index.create_in(index_dir, schema)
    writer = index.writer()
    for doc_id, title, body in docs:
        writer.add_document(id=doc_id, title=title, body=body)
    writer.commit()
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu0
    index.close()
    return {
        "docs": len(docs),
        "chars": chars,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "jieba_init_seconds": init_seconds,
        "index_bytes": tree_bytes(Path(index_dir)),
        "start_rss_bytes": start_rss,
        **memory(),
    }
