"""Detecting a corrupted index generation: a manifest of its files, and a check against it.

Whoosh keeps no checksums. A disk that flips bits, a copy cut short, or a file an operator
touched can leave a generation that opens and then answers wrongly, or that no longer opens.
After every commit the indexer :func:`seal`\\ s the generation: ``manifest.json`` records the
size and BLAKE2b digest of each of Whoosh's files (segment files never change once written,
so only new ones are hashed). :func:`verify` finds what no longer matches — a file of another
size or content, or a generation Whoosh cannot open at all — and the indexer rebuilds such
a generation from the store (docs/indexer.md).

Hashing every file on every run would read the whole index (gigabytes at a city's scale)
every few minutes, slowing the run and evicting the serving workers' page cache. So sizes
and opening are checked on every run, while a file's digest is checked only when it was not
within :data:`VERIFY_EVERY`: the manifest notes when each file last matched (``verified``,
seconds since the epoch; sealing a new file counts). Bit rot is still found within a day, and
the whole index is read at most once a day — unless the operator asks for every digest now.

A file the manifest lists but that is gone is not, by itself, damage: Whoosh deletes the
segments a commit merged away, and a crash between that commit and the next seal leaves
such names behind. Opening the generation is what tells whether a file it needs is missing.
"""

import hashlib
import json
import time
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.engine.generations import write_atomically
from indexer.engine.mapped_storage import MappedStorage

MANIFEST = "manifest.json"
VERIFY_EVERY = 24 * 3600.0
"""Seconds after which a file's digest is checked again by an ordinary run."""
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


def _write_manifest(path: Path, files: dict[str, dict]) -> None:
    write_atomically(path / MANIFEST, json.dumps({"files": files}, indent=0).encode())


def seal(path: Path) -> None:
    """Record the size and digest of every file of the last commit of the generation at
    ``path``. A file hashed now is verified now: it was written by this very run."""
    known = read_manifest(path)
    files = {}
    for file in _committed_files(path):
        size = file.stat().st_size
        entry = known.get(file.name)
        if entry is None or entry.get("size") != size:
            entry = {"size": size, "blake2b": _digest(file), "verified": time.time()}
        files[file.name] = entry
    _write_manifest(path, files)


def _due(entry: dict, now: float) -> bool:
    """Whether a file's digest should be checked again. A time in the future (the clock was
    set back) does not put the check off: only a recent, plausible one does."""
    verified = entry.get("verified")
    if not isinstance(verified, int | float):
        return True
    return not 0 <= now - verified < VERIFY_EVERY


def verify(path: Path, every_digest: bool = False, now: float | None = None) -> list[str]:
    """What is wrong with the generation at ``path``: empty when nothing is.

    Sizes are compared and the generation opened every time (a ``stat`` per file). Digests
    are checked for the files not verified within :data:`VERIFY_EVERY` of ``now`` — or for
    every file with ``every_digest`` — and the files that match are noted as verified.
    """
    now = time.time() if now is None else now
    problems: list[str] = []
    files = read_manifest(path)
    checked = False
    for name, entry in files.items():
        file = path / name
        try:
            size = file.stat().st_size
        except FileNotFoundError:
            continue
        if size != entry.get("size"):
            problems.append(f"{name}: {size} bytes, sealed with {entry.get('size')}")
        elif every_digest or _due(entry, now):
            checked = True
            if _digest(file) != entry.get("blake2b"):
                problems.append(f"{name}: its content changed after it was written")
            else:
                entry["verified"] = now
    problems += _open_problems(path)
    if checked and not problems:
        _write_manifest(path, files)
    return problems


def _open_problems(path: Path) -> list[str]:
    """Whether Whoosh can open the generation: its TOC, segment directories, term tables.

    Through :class:`~indexer.engine.mapped_storage.MappedStorage`, as searchers open it, not
    Whoosh's default opening, which copies each file of a compound segment into memory —
    reading most of the index, the very cost the daily digests avoid. Mapped, opening reads
    only the headers it parses.
    """
    try:
        index = MappedStorage(str(path)).open_index()
        try:
            index.reader().close()
        finally:
            index.close()
    except Exception as error:  # whatever a damaged file makes Whoosh raise
        return [f"Whoosh cannot open it: {type(error).__name__}: {error}"[:300]]
    return []
