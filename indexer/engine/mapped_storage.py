"""Opening an index generation without copying it: every file a read-only memory map.

Whoosh's :class:`~whoosh.filedb.filestore.FileStorage` maps a compound segment file, then
hands each file inside it out as a ``BufferFile`` over ``BytesIO(buffer)`` — a private copy.
Opening a searcher therefore copied most of the index into each serving worker (about 1.5×
the index in memory per worker, and the whole copy again at every reopen after a commit).
Without the map (``supports_mmap=False``) it reads by ``seek`` + ``read`` system calls, two
to three times slower per query.

:class:`MappedStorage` maps each file once and serves every read as a slice of the map: the
pages live in the kernel's page cache, shared by every worker and the indexer, and a reopen
after a commit costs only the new segment's headers.
"""

import mmap
import os

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile

# Bytes :meth:`_Window.peek` shows: more than a posting block's header pickle takes.
PEEK = 512


class MappedStorage(FileStorage):
    """A directory of index files, each opened as a read-only memory map."""

    def __init__(self, path: str) -> None:
        # Whoosh must not map compound files itself: that is the copying path.
        super().__init__(path, supports_mmap=False)

    def open_file(self, name: str, **kwargs):
        with open(self._fpath(name), "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return super().open_file(name, **kwargs)
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return MappedFile(memoryview(mapped), name=name, **kwargs)


class MappedFile(BufferFile):
    """A Whoosh file over a slice of a memory map: reads are slices, nothing is copied up
    front, and a part of it (a file inside a compound segment) is a narrower slice."""

    def __init__(self, buf: memoryview, name: str | None = None, onclose=None) -> None:
        self._buf = buf
        self._name = name
        self.file = _Window(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position: int, length: int, name: str | None = None) -> "MappedFile":
        return MappedFile(self._buf[position : position + length], name=name or self._name)


class _Window:
    """The file-like reading :class:`~whoosh.filedb.structfile.StructFile` does, over a
    memoryview."""

    __slots__ = ("_buf", "_pos")

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if size is None or size < 0 else min(start + size, len(self._buf))
        self._pos = end
        return bytes(self._buf[start:end])

    def peek(self, size: int = 0) -> bytes:
        """Bytes ahead, without moving: ``pickle.load`` then reads a block header's pickle
        from them and moves past it with one ``read``, instead of a ``read`` per opcode
        (about twenty for each posting block's header)."""
        return bytes(self._buf[self._pos : self._pos + PEEK])

    def readline(self, size: int | None = -1) -> bytes:
        buf = self._buf
        start = end = self._pos
        limit = len(buf) if size is None or size < 0 else min(len(buf), start + size)
        while end < limit:
            chunk = bytes(buf[end : min(end + 4096, limit)])
            newline = chunk.find(b"\n")
            if newline >= 0:
                end += newline + 1
                break
            end += len(chunk)
        self._pos = end
        return bytes(buf[start:end])

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset += self._pos
        elif whence == os.SEEK_END:
            offset += len(self._buf)
        self._pos = offset
        return offset

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        # The map is unmapped when the last slice of it is dropped; releasing it here would
        # fail while Whoosh still holds other slices of the same file.
        pass
