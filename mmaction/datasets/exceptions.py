"""Errors raised while loading samples."""

from mmaction.utils.errors import UserError


class BrokenVideoError(UserError, ValueError):
    """A video or frame of a sample cannot be read.

    Raised by the decoding transforms for a missing, empty, truncated or
    corrupt file. The datasets catch it: in training they replace the sample
    by another one, in testing they re-raise it unless ``skip_broken=True``.

    Args:
        filename (str): The file (video, frame or frame directory) at fault.
        reason (str): What went wrong.
    """

    def __init__(self, filename: str, reason: str) -> None:
        self.filename = str(filename)
        self.reason = reason
        super().__init__(f'Broken video data {self.filename!r}: {reason}')

    def __reduce__(self):
        # Keeps the exception picklable across data-loader worker processes.
        return (type(self), (self.filename, self.reason))
