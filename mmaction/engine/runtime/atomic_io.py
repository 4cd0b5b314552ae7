"""Crash-safe file writes: a reader sees the old file or the complete new one.

The data goes to a temporary file in the destination's directory (same file
system, so the final rename is atomic), is flushed to disk, and replaces the
destination with ``os.replace``. A process killed mid-write leaves at most a
stray ``*.partial`` file, never a truncated checkpoint under the real name.
"""

import os
import os.path as osp
import tempfile
from contextlib import contextmanager
from typing import Iterator, Union

from mmengine.fileio.backends import LocalBackend

PARTIAL_SUFFIX = '.partial'


def _default_file_mode() -> int:
    # mkstemp creates 0600 files; a plain open() would give 0666 minus the umask.
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _default_file_mode()


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync directories; the rename still holds
    finally:
        os.close(fd)


def atomic_write_bytes(path: Union[str, os.PathLike], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, ``os.replace``)."""
    path = os.fspath(path)
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix=f'.{osp.basename(path)}.', suffix=PARTIAL_SUFFIX
    )
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_dir(directory)


def atomic_write_text(path: Union[str, os.PathLike], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode('utf-8'))


@contextmanager
def atomic_local_writes() -> Iterator[None]:
    """Make mmengine's local file backend write atomically inside the block.

    mmengine's ``save_checkpoint`` serializes into memory and hands the bytes
    to ``LocalBackend.put``, which opens the destination for writing directly.
    """
    original = LocalBackend.put

    def put(self, obj: bytes, filepath) -> None:
        atomic_write_bytes(filepath, obj)

    LocalBackend.put = put
    try:
        yield
    finally:
        LocalBackend.put = original


def remove_partial_files(directory: str) -> int:
    """Delete ``*.partial`` leftovers of interrupted writes; returns how many."""
    if not osp.isdir(directory):
        return 0
    removed = 0
    for name in os.listdir(directory):
        if name.startswith('.') and name.endswith(PARTIAL_SUFFIX):
            try:
                os.remove(osp.join(directory, name))
                removed += 1
            except OSError:
                pass
    return removed
