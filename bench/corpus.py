"""The benchmark corpus: its three JSON Lines files, their sites, limits and the even subset.

The corpus is read where it lies (``../shared/corpus`` beside the repository, or ``--corpus``);
only a limited or sampled selection of its lines is ever written, and only to a temporary
directory, never into the project.
"""

from dataclasses import dataclass
from pathlib import Path

import orjson

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@dataclass(frozen=True)
class SiteSpec:
    code: str
    name: str
    tier: str
    parent: str | None


# One site per corpus file; the parent is registered first.
FILES: tuple[tuple[str, SiteSpec], ...] = (
    ("gov_web.jsonl", SiteSpec("530500", "保山市人民政府", "city", None)),
    ("xwlb.jsonl", SiteSpec("530502", "隆阳区人民政府", "county", "530500")),
    ("laws.jsonl", SiteSpec("530521", "施甸县人民政府", "county", "530500")),
)


@dataclass
class FileSlice:
    """Some lines of one corpus file: what will be imported for one site."""

    name: str
    site: SiteSpec
    path: Path
    lines: list[bytes]
    docs: int = 0
    chars: int = 0

    @property
    def bytes(self) -> int:
        return sum(len(line) for line in self.lines)


class CorpusMissing(SystemExit):
    pass


def check_corpus(directory: Path) -> None:
    missing = [name for name, _ in FILES if not (directory / name).is_file()]
    if missing:
        raise CorpusMissing(
            f"bench: corpus not found: {directory} lacks {', '.join(missing)}.\n"
            "The corpus lives outside the repository (../shared/corpus); "
            "point at another copy with --corpus DIR."
        )


def _chars(line: bytes) -> int:
    """Characters of the indexed text of one line: title plus body, as the corpus gives them."""
    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError:
        return 0
    if not isinstance(raw, dict):
        return 0
    return sum(len(v) for v in (raw.get("title"), raw.get("body")) if isinstance(v, str))


def read_slices(directory: Path, limit: int | None) -> list[FileSlice]:
    """Every corpus file's non-blank lines (the first ``limit`` of them when given)."""
    slices = []
    for name, site in FILES:
        path = directory / name
        lines: list[bytes] = []
        with open(path, "rb") as handle:
            for line in handle:
                if limit is not None and len(lines) >= limit:
                    break
                if line.strip():
                    lines.append(line if line.endswith(b"\n") else line + b"\n")
        slices.append(_counted(FileSlice(name, site, path, lines)))
    return slices


def _counted(part: FileSlice) -> FileSlice:
    part.docs = len(part.lines)
    part.chars = sum(_chars(line) for line in part.lines)
    return part


def even_subset(slices: list[FileSlice], total: int) -> list[FileSlice]:
    """About ``total`` lines, an equal share from each file, evenly spaced within it."""
    shares = [total // len(slices) + (i < total % len(slices)) for i in range(len(slices))]
    subset = []
    for part, share in zip(slices, shares, strict=True):
        n = len(part.lines)
        take = min(share, n)
        picked = [part.lines[i * n // take] for i in range(take)] if take else []
        subset.append(_counted(FileSlice(part.name, part.site, part.path, picked)))
    return subset


def materialise(slices: list[FileSlice], directory: Path, whole: bool) -> list[FileSlice]:
    """Write the slices as JSON Lines under ``directory`` (a temporary one), unless ``whole``
    says they are the corpus files themselves, which are then imported where they lie."""
    if whole:
        return slices
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for part in slices:
        path = directory / part.name
        path.write_bytes(b"".join(part.lines))
        out.append(FileSlice(part.name, part.site, path, part.lines, part.docs, part.chars))
    return out


def documents(path: Path) -> list[dict]:
    """The items of a JSON Lines file (used by the naive baseline, outside its timing)."""
    with open(path, "rb") as handle:
        return [orjson.loads(line) for line in handle if line.strip()]
