"""Compact, fork-friendly storage of parsed annotation columns.

A list of 240,000 dicts costs hundreds of megabytes of Python objects, and
every data-loader worker touches (and so copies) their reference counts.
Keeping the columns in a few numpy arrays avoids both: the pages are shared
between forked workers and never written.
"""

from typing import List, Sequence, Union

import numpy as np


def _position(index: int, length: int) -> int:
    """``index`` as a position in ``[0, length)``, counting negatives from the end."""
    position = index + length if index < 0 else index
    if not 0 <= position < length:
        raise IndexError(f'index {index} out of range for {length} samples')
    return int(position)


class PackedStrings:
    """An immutable sequence of strings stored as one UTF-8 buffer plus offsets.

    Args:
        strings (Sequence[str | bytes]): The strings to store (bytes are
            taken as UTF-8).
    """

    def __init__(self, strings: Sequence[Union[str, bytes]]) -> None:
        encoded = [text if isinstance(text, bytes) else text.encode('utf-8') for text in strings]
        lengths = np.fromiter((len(item) for item in encoded), dtype=np.int64, count=len(encoded))
        self.offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.offsets[1:])
        self.buffer = np.frombuffer(b''.join(encoded), dtype=np.uint8)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> str:
        index = _position(index, len(self))
        start, end = self.offsets[index], self.offsets[index + 1]
        return self.buffer[start:end].tobytes().decode('utf-8')

    @property
    def nbytes(self) -> int:
        """Memory held by the buffers, in bytes."""
        return int(self.buffer.nbytes + self.offsets.nbytes)


class PackedIntLists:
    """An immutable sequence of integer lists (e.g. multi-label annotations).

    Args:
        lists (Sequence[Sequence[int]]): The integer lists to store.
    """

    def __init__(self, lists: Sequence[Sequence[int]]) -> None:
        lengths = np.fromiter((len(item) for item in lists), dtype=np.int64, count=len(lists))
        self.offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.offsets[1:])
        self.values = np.fromiter(
            (value for item in lists for value in item), dtype=np.int64, count=int(lengths.sum())
        )

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> List[int]:
        index = _position(index, len(self))
        return self.values[self.offsets[index] : self.offsets[index + 1]].tolist()

    @property
    def nbytes(self) -> int:
        """Memory held by the buffers, in bytes."""
        return int(self.values.nbytes + self.offsets.nbytes)
