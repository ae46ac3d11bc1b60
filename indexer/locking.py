"""A lock against overlapping indexer runs: an advisory file lock the kernel drops when the
process dies, so a run killed with kill -9 never leaves a stale lock behind."""

import fcntl
import os
from pathlib import Path
from types import TracebackType


class IndexerBusy(RuntimeError):
    """Another indexer run holds the lock."""


class RunLock:
    """``with RunLock(path):`` holds the lock or raises :class:`IndexerBusy` at once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise IndexerBusy(f"another indexer run holds {self.path} (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
