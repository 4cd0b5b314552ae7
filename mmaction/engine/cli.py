"""Error handling and teardown shared by the command-line tools (``tools/train.py``, ``tools/test.py``)."""

import sys
from contextlib import contextmanager
from typing import Iterator

import torch.distributed as dist

from mmaction.datasets.exceptions import BrokenVideoError
from mmaction.utils import CheckpointError

from .config_check import ConfigError

# Bad input the user can fix: a config, checkpoint, video or file problem.
USER_ERRORS = (ConfigError, CheckpointError, BrokenVideoError, FileNotFoundError)


@contextmanager
def cli_guard() -> Iterator[None]:
    """Run a tool's work: user errors end it in one line, the process group is always closed.

    An error in :data:`USER_ERRORS` exits the program with ``error: <message>``
    (exit status 1) and no traceback; any other exception propagates. On the
    way out, whatever happened, a ``torch.distributed`` process group that was
    initialised is destroyed, so that launchers do not hang on exit.

    Example:
        >>> with cli_guard():
        ...     train_model(cfg, config_path)

    Yields:
        None
    """
    try:
        yield
    except USER_ERRORS as err:
        sys.exit(f'error: {err}')
    finally:
        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()
