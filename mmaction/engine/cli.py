"""Error handling, teardown and common options shared by the command-line tools (``tools/*.py``)."""

import argparse
import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator, List, Tuple

from mmaction.utils.errors import UserError

from .runtime.preemption import TrainingInterrupted
from .runtime.worker_errors import worker_failure_message

#: Set to 1 to see the traceback of user errors too (real bugs always show theirs).
TRACEBACK_ENV = 'TPN_TRACEBACK'

# Bad input the user can fix: a config, annotation, checkpoint, video or file problem.
USER_ERRORS = (UserError, FileNotFoundError)


def show_tracebacks() -> bool:
    """Whether ``TPN_TRACEBACK`` asks for full tracebacks of user errors."""
    return os.environ.get(TRACEBACK_ENV, '').strip().lower() not in ('', '0', 'false', 'no')


def user_message(err: BaseException) -> str:
    """The one-line message of a user error.

    An error raised in a data-loader worker reaches the main process rebuilt
    from a text that holds the worker's whole traceback; its last line is
    the original message.
    """
    text = str(err)
    if 'Original Traceback' in text:
        last = [line for line in text.splitlines() if line.strip()][-1]
        text = last.split(': ', 1)[1] if ': ' in last else last
    return ' '.join(text.split())


@contextmanager
def cli_guard() -> Iterator[None]:
    """Run a tool's work: user errors end it in one line, the process group is always closed.

    An error in :data:`USER_ERRORS` exits the program with ``error: <message>``
    (exit status 1) and no traceback, unless ``TPN_TRACEBACK=1``; so does a
    data-loader worker's death, with its likely cause (memory, ``/dev/shm``).
    A training stopped by a signal (:class:`TrainingInterrupted`) prints where
    its checkpoint is and exits with 128 + the signal number. Any other
    exception propagates with its traceback. On the way out, whatever
    happened, a ``torch.distributed`` process group that was initialised is
    destroyed, so that launchers do not hang on exit.

    Example:
        >>> with cli_guard():
        ...     train_model(cfg, config_path)

    Ctrl-C outside training (which stops at a step boundary and saves) ends
    the run with one line and exit status 130, also when a library turned
    the ``KeyboardInterrupt`` into another exception on its way up.

    Yields:
        None
    """
    interrupted, restore = _watch_ctrl_c()
    try:
        yield
    except BaseException as err:
        if interrupted() and not isinstance(err, (SystemExit, TrainingInterrupted)):
            if show_tracebacks():
                raise
            # 128 + SIGINT, as a shell reports a process ended by Ctrl-C.
            print('Interrupted (Ctrl-C): stopped before the end; no results were written.',
                  file=sys.stderr, flush=True)  # fmt: skip
            sys.exit(130)
        _exit_for(err)
    finally:
        restore()
        _close_process_group()


def _watch_ctrl_c() -> Tuple[Callable[[], bool], Callable[[], None]]:
    """Note SIGINTs, then raise ``KeyboardInterrupt`` as Python does.

    Returns:
        ``(interrupted, restore)``: whether a SIGINT came, and a function
        that puts the previous handler back.
    """
    import signal
    import threading

    seen: List[int] = []
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or (
        previous is not signal.default_int_handler
    ):
        return (lambda: False), (lambda: None)

    def handler(signum, frame):
        seen.append(signum)
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, handler)
    return (lambda: bool(seen)), (lambda: signal.signal(signal.SIGINT, previous))


def _exit_for(err: BaseException) -> None:
    """Exit in one line for user errors, with 128 + signal for stopped training; else re-raise."""
    try:
        raise err
    except USER_ERRORS as err:
        if show_tracebacks():
            raise
        sys.exit(f'error: {user_message(err)}')
    except TrainingInterrupted as stop:
        if stop.message:
            print(stop.message, file=sys.stderr, flush=True)
        sys.exit(stop.exit_status)
    except RuntimeError as err:
        message = worker_failure_message(err)
        if message is None or show_tracebacks():
            raise
        sys.exit(f'error: {message}')


def _close_process_group() -> None:
    if 'torch' not in sys.modules:
        return
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        # The run's objects sit in reference cycles (runner, hooks, the DDP wrapper that
        # holds the process group): collect them now, so that destroying the group joins
        # its gloo worker threads while they can still take the GIL. Left to the
        # interpreter's exit, a worker freeing a finished collective's tensors aborts the
        # process ("terminate called without an active exception").
        import gc

        gc.collect()
        dist.destroy_process_group()


def add_cfg_options(
    parser: argparse.ArgumentParser, example: str = 'data.videos_per_gpu=2'
) -> None:
    """Add ``--cfg-options key=value ...`` (parsed and merged by :func:`~.config.loader.load_config`).

    The values are kept as typed and parsed when the config is loaded, so
    that a value that cannot be parsed is one error line naming it.
    """
    from .config.cfg_options import CfgOptionsAction, RawCfgOptions

    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        default=RawCfgOptions(),
        help=f'override config settings, key=value (Python literals), e.g. {example}',
    )


def add_eval_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--eval-options``, the metric options of ``tools/test.py``."""
    from mmengine.config import DictAction

    parser.add_argument(
        '--eval-options',
        nargs='+',
        action=DictAction,
        default={},
        help='evaluation options, e.g. metric_options.top_k_accuracy.topk="(1,3)"',
    )


#: Values ``--amp`` takes; alone it means the device's usual mixed precision.
AMP_CHOICES = ('bf16', 'fp16')


def add_amp_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--amp [bf16|fp16]``: False when absent, True alone, else the dtype name."""
    parser.add_argument(
        '--amp',
        nargs='?',
        const=True,
        default=False,
        choices=AMP_CHOICES,
        help='mixed precision: bf16 (autocast) or fp16 (autocast; loss scaling in training); '
        'alone: fp16 on CUDA, bf16 on the CPU. Overrides the config key `precision`',
    )
