"""Damage checks of a generation: sizes and opening on every run, digests only when a file was
not verified within ``VERIFY_EVERY`` (or on ``--verify``), so that a run does not read the whole
index every few minutes and bit rot is still found within a day."""

import json
import time
from pathlib import Path

from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import StructFile

from indexer.engine import integrity
from indexer.engine.generations import Generations
from indexer.engine.integrity import MANIFEST, VERIFY_EVERY, read_manifest, verify
from tests.conftest import record


def indexed(zq, count: int = 60) -> Path:
    """The path of generation 1, built from ``count`` records and sealed."""
    zq.push("530500", *[record(str(i), f"公积金第{i}号通知", f"住房公积金办理材料{i}" * 20)
                        for i in range(count)])  # fmt: skip
    assert zq.index().generation == 1
    return Generations(zq.config.index_dir).path(1)


def biggest_segment(generation: Path) -> Path:
    return max(generation.glob("*.seg"), key=lambda p: p.stat().st_size)


def flip_bytes(segment: Path) -> None:
    """Bit rot: the same size, other bytes, in the middle of the segment's postings — where
    Whoosh does not look until a search does, so only a digest notices (bytes flipped in the
    term table's header would already stop Whoosh opening the generation)."""
    with open(segment, "rb") as handle:
        compound = CompoundStorage(StructFile(handle), use_mmap=False)
        offset, length = compound.range(segment.with_suffix(".pst").name)
    data = bytearray(segment.read_bytes())
    for i in range(offset + length // 3, offset + 2 * length // 3, 101):
        data[i] ^= 0x5A
    segment.write_bytes(bytes(data))


def verified_ago(generation: Path, seconds: float) -> None:
    """Pretend every file of the manifest was last verified ``seconds`` ago."""
    files = read_manifest(generation)
    for entry in files.values():
        entry["verified"] = time.time() - seconds
    (generation / MANIFEST).write_text(json.dumps({"files": files}))


def test_sealing_a_new_file_counts_as_verifying_it(zq):
    files = read_manifest(indexed(zq))
    assert files and all(time.time() - e["verified"] < 60 for e in files.values())


def test_an_ordinary_run_within_the_window_does_not_read_digests(zq):
    generation = indexed(zq)
    flip_bytes(biggest_segment(generation))
    again = zq.index()
    # Not noticed: the cheap path read no digest (the next due check or --verify will).
    assert (again.mode, again.generation, again.damage) == ("incremental", 1, [])


def test_an_ordinary_run_still_checks_sizes(zq):
    generation = indexed(zq)
    segment = biggest_segment(generation)
    segment.write_bytes(segment.read_bytes()[:-10])
    repaired = zq.index()
    assert (repaired.mode, repaired.generation) == ("repair-rebuild", 2)
    assert f"generation 1: {segment.name}: " in repaired.damage[0]
    assert "bytes, sealed with" in repaired.damage[0]


def test_an_ordinary_run_checks_digests_not_verified_for_a_day(zq):
    generation = indexed(zq)
    flip_bytes(biggest_segment(generation))
    verified_ago(generation, VERIFY_EVERY + 60)
    repaired = zq.index()
    assert (repaired.mode, repaired.generation) == ("repair-rebuild", 2)
    assert any("its content changed after it was written" in d for d in repaired.damage)
    result = zq.search("公积金")
    assert (result.total, result.generation) == (60, 2)


def test_verify_checks_every_digest_now(zq):
    generation = indexed(zq)
    flip_bytes(biggest_segment(generation))
    repaired = zq.index(verify_all=True)
    assert (repaired.mode, repaired.generation) == ("repair-rebuild", 2)
    assert any("its content changed after it was written" in d for d in repaired.damage)


def test_a_due_check_is_recorded_so_the_next_run_reads_nothing(zq, monkeypatch):
    generation = indexed(zq)
    verified_ago(generation, VERIFY_EVERY + 60)
    hashed: list[str] = []
    digest = integrity._digest
    monkeypatch.setattr(integrity, "_digest", lambda p: hashed.append(p.name) or digest(p))
    assert verify(generation) == []
    assert sorted(hashed) == sorted(read_manifest(generation))
    assert all(time.time() - e["verified"] < 60 for e in read_manifest(generation).values())
    hashed.clear()
    assert verify(generation) == [] and hashed == []
    assert verify(generation, every_digest=True) == [] and len(hashed) == len(
        read_manifest(generation)
    )


def test_a_verification_time_in_the_future_does_not_put_the_check_off(zq):
    generation = indexed(zq)
    flip_bytes(biggest_segment(generation))
    verified_ago(generation, -VERIFY_EVERY * 30)  # the clock was once set a month ahead
    assert any("its content changed" in p for p in verify(generation))


def test_a_generation_whoosh_cannot_open_is_damage(zq):
    generation = indexed(zq)
    # A file the manifest lists but that is gone is for the opening to judge, not the sizes.
    biggest_segment(generation).unlink()
    assert any("Whoosh cannot open it" in p for p in verify(generation))
