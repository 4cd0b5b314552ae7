"""Errors raised while loading samples, and the stand-in for a skipped test sample."""

import re
from typing import NamedTuple, Optional, Tuple

from mmaction.utils.errors import UserError

_MESSAGE = re.compile(r"Broken video data '(?P<filename>.*?)': (?P<reason>.*)$", re.MULTILINE)


def _parse_message(message: str) -> Optional[Tuple[str, str]]:
    """Filename and reason from a text that holds a ``BrokenVideoError`` message, or None."""
    found = list(_MESSAGE.finditer(message))
    if not found:
        return None
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
            parsed = _parse_message(str(filename))
            if parsed is None:
                # Not one of ours: keep the message as it is.
                self.filename, self.reason = '', str(filename)
                super().__init__(str(filename))
                return
            filename, reason = parsed
        self.filename = str(filename)
        self.reason = reason
        super().__init__(f'Broken video data {self.filename!r}: {reason}')

    def __reduce__(self):
        # Keeps the exception picklable across data-loader worker processes.
        return (type(self), (self.filename, self.reason))


class BrokenSample(NamedTuple):
    """What a test-mode dataset with ``skip_broken=True`` returns for a broken sample.

    The collate function keeps it out of the batch and the test loop leaves
    the sample out of the metrics, so nothing is scored in its place.

    Attributes:
        index (int): The sample's index in the data set.
        filename (str): The file at fault.
        reason (str): What went wrong.
    """

    index: int
    filename: str
    reason: str
