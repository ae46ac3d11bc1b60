"""Index generations: immutable-once-switched Whoosh directories and an atomic pointer.

Layout under the index root::

    CURRENT           name of the generation searchers open (replaced atomically)
    gen-000007/       a Whoosh index, its state.json and its dictionary.txt
    gen-000008/       a rebuild in progress (state.json says "complete": false)
    indexer.lock      held by the running indexer
    PROBLEM           why the last run failed its checks, until a run passes them

A full rebuild writes a new generation beside the live one and only then points CURRENT at
it, so a reader never sees a half-built index. Incremental runs add to the live generation
through Whoosh commits, which are atomic: a crash leaves the last commit readable.
"""

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.engine.mapped_storage import MappedStorage
from indexer.engine.schema import INDEX_FORMAT, record_schema

CURRENT = "CURRENT"
PROBLEM = "PROBLEM"
STATE = "state.json"
DICTIONARY = "dictionary.txt"
_GEN_NAME = re.compile(r"^gen-(\d{6})$")


@dataclass
class GenerationState:
    """What a generation has indexed: the change sequence reached and whether it is whole."""

    number: int
    seq: int = 0
    snapshot_seq: int = 0
    complete: bool = False
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    switched: str | None = None
    # indexer.engine.schema.INDEX_FORMAT of the release that wrote it (state files without it: 1).
    format: int = 1
    # The identity of the store it was built from (ChangeSource.identity).
    store: str = ""


def generation_name(number: int) -> str:
    return f"gen-{number:06d}"


def write_atomically(path: Path, data: bytes, durable: bool = True) -> None:
    """Write a small file so that readers see the old or the new content, never a mix;
    ``durable`` also makes it survive a power cut."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        if durable:
            os.fsync(handle.fileno())
    os.replace(tmp, path)
    if not durable:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Generations:
    """The generations under one index root."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def numbers(self) -> list[int]:
        if not self.root.is_dir():
            return []
        found = (_GEN_NAME.match(p.name) for p in self.root.iterdir() if p.is_dir())
        return sorted(int(m.group(1)) for m in found if m)

    def current(self) -> int | None:
        """The number of the generation searchers should open, or None before the first build."""
        try:
            name = (self.root / CURRENT).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        match = _GEN_NAME.match(name)
        return int(match.group(1)) if match else None

    def path(self, number: int) -> Path:
        return self.root / generation_name(number)

    def state(self, number: int) -> GenerationState:
        raw = json.loads((self.path(number) / STATE).read_bytes())
        return GenerationState(**raw)

    def save_state(self, state: GenerationState) -> None:
        data = json.dumps(asdict(state), indent=1).encode()
        write_atomically(self.path(state.number) / STATE, data)

    def unfinished(self) -> int | None:
        """A rebuild newer than the current generation that a crash left incomplete."""
        current = self.current() or 0
        for number in reversed(self.numbers()):
            if number <= current:
                break
            try:
                if not self.state(number).complete:
                    return number
            except (FileNotFoundError, ValueError, TypeError):
                continue
        return None

    def create(self, store: str = "") -> GenerationState:
        """A new, empty generation numbered after every existing one, of this release's
        format, built from the store named ``store``."""
        self.root.mkdir(parents=True, exist_ok=True)
        number = max(self.numbers(), default=0) + 1
        path = self.path(number)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir()
        whoosh_index.create_in(str(path), record_schema())
        state = GenerationState(number=number, format=INDEX_FORMAT, store=store)
        self.save_state(state)
        return state

    def open(self, number: int) -> whoosh_index.Index:
        """The generation's index, its files memory-mapped and shared
        (:mod:`indexer.engine.mapped_storage`)."""
        return MappedStorage(str(self.path(number))).open_index()

    def read_dictionary(self, number: int) -> list[str]:
        try:
            text = (self.path(number) / DICTIONARY).read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines() if line]

    def write_dictionary(self, number: int, words: set[str]) -> None:
        data = "".join(f"{w}\n" for w in sorted(words)).encode()
        write_atomically(self.path(number) / DICTIONARY, data)

    def problem(self) -> str | None:
        """Why the last indexer run failed its checks (a rebuild's sub-writer died, the index
        disagreed with the store), until a later run passes them; None when all is well."""
        try:
            raw = json.loads((self.root / PROBLEM).read_bytes())
        except FileNotFoundError:
            return None
        except ValueError:
            return "the indexer's last problem report is unreadable"
        return str(raw.get("problem") or "unknown")

    def record_problem(self, problem: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"problem": problem, "at": datetime.now(UTC).isoformat()}).encode()
        write_atomically(self.root / PROBLEM, data, durable=False)

    def clear_problem(self) -> None:
        (self.root / PROBLEM).unlink(missing_ok=True)

    def switch(self, state: GenerationState) -> None:
        """Point CURRENT at a finished generation, mark it complete, and drop every generation
        older than the one before it (workers may still be reading that one).

        CURRENT moves first: if the process dies before the state is saved, the new generation
        is already live, and the next run, finding it incomplete, finishes the switch.
        """
        write_atomically(self.root / CURRENT, generation_name(state.number).encode())
        state.complete = True
        state.switched = datetime.now(UTC).isoformat()
        self.save_state(state)
        older = [number for number in self.numbers() if number < state.number]
        for number in older[:-1]:
            shutil.rmtree(self.path(number), ignore_errors=True)
