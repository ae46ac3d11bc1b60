"""``python -m bench.memory``: a rebuild's peak memory under ``--index-memory`` budgets.

Builds a store of ``--records`` reference-scale records (bench.scale_corpus), then runs
``zhanqun index --full`` once per budget as a real command, sampling the resident memory of
its whole process tree (the indexer and its sub-writers) every 50 ms. Reports the peak tree
size, the time and the segments written, and the bytes per pending character implied, which
is what calibrates :data:`indexer.engine.building.BYTES_PER_CHAR`.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.corpus import DEFAULT_CORPUS, check_corpus
from bench.scale_corpus import load_phase


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreePeak(threading.Thread):
    """Samples the resident size of a process and its children until it exits."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.peak_processes = 0

    def run(self) -> None:
        while Path(f"/proc/{self.pid}").exists():
            tree = [self.pid, *_children(self.pid)]
            total = sum(_rss(pid) for pid in tree)
            if total > self.peak:
                self.peak, self.peak_processes = total, len(tree)
            time.sleep(0.05)


def rebuild(data_dir: Path, budget_mb: int) -> dict:
    environ = {**os.environ, "ZHANQUN_DATA_DIR": str(data_dir), "ZHANQUN_DATABASE_URL": ""}
    zhanqun = Path(sys.executable).with_name("zhanqun")
    command = [str(zhanqun), "index", "--full", "--quiet", "--index-memory", str(budget_mb)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=environ, stdout=subprocess.PIPE, text=True)
    sampler = TreePeak(process.pid)
    sampler.start()
    out, _ = process.communicate()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"bench.memory: the rebuild exited {process.returncode}")
    from indexer.engine.generations import Generations

    generations = Generations(data_dir / "index")
    index = generations.open(generations.current())
    try:
        segments = len(index._segments())
        documents = index.doc_count()
    finally:
        index.close()
    return {
        "budget_mb": budget_mb,
        "peak_tree_mb": sampler.peak / 2**20,
        "processes_at_peak": sampler.peak_processes,
        "seconds": seconds,
        "segments": segments,
        "documents": documents,
        "line": out.strip(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--budgets", default="256,1024", help="MB, comma-separated")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--work", type=Path, help="keep the store here (reused if present)")
    args = parser.parse_args(argv)
    check_corpus(args.corpus)
    work = args.work or Path(tempfile.mkdtemp(prefix="zhanqun-memory-"))
    data_dir = work / "data"
    store = data_dir / "zhanqun.sqlite3"
    if not store.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        loaded = load_phase(
            f"sqlite:///{store}", str(args.corpus), args.records, 1, 0, str(work / "subset.jsonl")
        )
        print(f"loaded {loaded['records']} records, {loaded['mean_chars']:.0f} chars each")
    for budget in (int(b) for b in args.budgets.split(",")):
        figures = rebuild(data_dir, budget)
        print(
            f"budget {budget} MB: peak tree {figures['peak_tree_mb']:.0f} MB "
            f"({figures['processes_at_peak']} processes), {figures['seconds']:.1f} s, "
            f"{figures['segments']} segments, {figures['documents']} documents"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
