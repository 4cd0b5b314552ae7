"""Errors raised while loading samples."""

import re
from typing import Optional, Tuple

from mmaction.utils.errors import UserError

_MESSAGE = re.compile(r"Broken video data '(?P<filename>.*?)': (?P<reason>.*)$", re.MULTILINE)


def _parse_message(message: str) -> Tuple[str, str]:
    """Filename and reason from a text that holds a ``BrokenVideoError`` message."""
    found = list(_MESSAGE.finditer(message))
    if not found:
        return '<unknown>', message.strip()
    return found[-1]['filename'], found[-1]['reason'].strip()


class BrokenVideoError(UserError, ValueError):
    """A video or frame of a sample cannot be read.

    Raised by the decoding transforms for a missing, empty, truncated or
    corrupt file. The datasets catch it: in training they replace the sample
    by another one, in testing they re-raise it unless ``skip_broken=True``.

    Args:
        filename (str): The file (video, frame or frame directory) at fault.
        reason (str, optional): What went wrong. Without it, ``filename`` is
            a text that ends with a ``BrokenVideoError`` message (a data
            loader re-raises a worker's error from its traceback text this
            way), from which the file and reason are read back.
    """

    def __init__(self, filename: str, reason: Optional[str] = None) -> None:
        if reason is None:
            filename, reason = _parse_message(str(filename))
        self.filename = str(filename)
        self.reason = reason
        super().__init__(f'Broken video data {self.filename!r}: {reason}')

    def __reduce__(self):
        # Keeps the exception picklable across data-loader worker processes.
        return (type(self), (self.filename, self.reason))
