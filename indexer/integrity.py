"""Detecting a corrupted index generation: a manifest of its files, and a check against it.

Whoosh keeps no checksums. A disk that flips bits, a copy cut short, or a file an operator
touched can leave a generation that opens and then answers wrongly, or that no longer opens.
After every commit the indexer :func:`seal`\\ s the generation: ``manifest.json`` records the
size and BLAKE2b digest of each of Whoosh's files (segment files never change once written,
so only new ones are hashed). :func:`verify` finds what no longer matches — a file of another
size or content, or a generation Whoosh cannot open at all — and the indexer rebuilds such
a generation from the store (docs/indexer.md).

A file the manifest lists but that is gone is not, by itself, damage: Whoosh deletes the
segments a commit merged away, and a crash between that commit and the next seal leaves
such names behind. Opening the generation is what tells whether a file it needs is missing.
"""

import hashlib
import json
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.generations import write_atomically

MANIFEST = "manifest.json"
_CHUNK = 1 << 20


def _committed_files(path: Path) -> list[Path]:
    """The files of the index's last commit: its TOC and its segments' files. A writer open
    after the commit is already writing the files of a segment to come, which are not sealed."""
    index = whoosh_index.open_dir(str(path))
    try:
        toc = f"_{index.indexname}_{index.latest_generation()}.toc"
        prefixes = tuple(f"{segment.segment_id()}." for segment in index._segments())
    finally:
        index.close()
    return sorted(p for p in path.iterdir() if p.name == toc or p.name.startswith(prefixes))


def _digest(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(path: Path) -> dict[str, dict]:
    try:
        return json.loads((path / MANIFEST).read_bytes())["files"]
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return {}


def seal(path: Path) -> None:
    """Record the size and digest of every file of the last commit of the generation at
    ``path``."""
    known = read_manifest(path)
    files = {}
    for file in _committed_files(path):
        size = file.stat().st_size
        entry = known.get(file.name)
        if entry is None or entry.get("size") != size:
            entry = {"size": size, "blake2b": _digest(file)}
        files[file.name] = entry
    write_atomically(path / MANIFEST, json.dumps({"files": files}, indent=0).encode())


def verify(path: Path, digests: bool = True) -> list[str]:
    """What is wrong with the generation at ``path``: empty when nothing is.

    ``digests=False`` compares sizes only, which costs a ``stat`` per file.
    """
    problems = []
    for name, entry in read_manifest(path).items():
        file = path / name
        try:
            size = file.stat().st_size
        except FileNotFoundError:
            continue
        if size != entry.get("size"):
            problems.append(f"{name}: {size} bytes, sealed with {entry.get('size')}")
        elif digests and _digest(file) != entry.get("blake2b"):
            problems.append(f"{name}: its content changed after it was written")
    try:
        whoosh_index.open_dir(str(path)).reader().close()
    except Exception as error:  # whatever a damaged file makes Whoosh raise
        problems.append(f"Whoosh cannot open it: {type(error).__name__}: {error}"[:300])
    return problems
