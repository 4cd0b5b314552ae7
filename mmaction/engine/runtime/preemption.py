"""Stop a training run cleanly on SIGTERM (Slurm preemption) or SIGINT (Ctrl-C).

The first signal only raises a flag: the train loop finishes the iteration
in progress, the processes agree on the step to stop after
(:meth:`StopSignals.agreed`), a checkpoint is saved and the run ends with
:class:`TrainingInterrupted`, which the command-line tools turn into exit
status 128 + the signal number. A second signal (a second later or more)
ends the process at once, killed by that signal, as a program without a
handler would be. Data-loader workers ignore both signals
(:func:`ignore_stop_signals`): Slurm and a terminal send them to every
process of the job, and a worker that dies of one would take the run down
before the checkpoint is written.
"""

import os
import signal
import threading
import time
from typing import Dict

from mmengine.registry import FUNCTIONS

#: The signals that ask a training run to stop.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

#: A signal this soon after the first is the same request passed on by a launcher:
#: Ctrl-C reaches every process of the terminal's group, and torchrun forwards its
#: own copy to its workers a moment later.
REPEAT_WINDOW_S = 1.0


class TrainingInterrupted(Exception):
    """A training run stopped on a signal after saving a checkpoint.

    Args:
        signum: The signal received (``signal.SIGTERM``, ``signal.SIGINT``).
        message: The line to show the user; empty on ranks other than 0.

    Attributes:
        exit_status: 128 + the signal number, as a shell reports a process
            killed by the signal (143 for SIGTERM, 130 for SIGINT).
    """

    def __init__(self, signum: int, message: str = '') -> None:
        super().__init__(message)
        self.signum = int(signum)
        self.message = message
        self.exit_status = 128 + self.signum


def signal_name(signum: int) -> str:
    """``'SIGTERM'`` for 15, ...; the number for an unknown signal."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return str(signum)


class StopSignals:
    """Catches SIGTERM and SIGINT while training; a context manager.

    Inside the ``with`` block, the first signal sets :attr:`received` and
    prints one line (on the process that shows messages); a second one, more
    than :data:`REPEAT_WINDOW_S` later, kills the process at once. Outside of
    it, the previous handlers are back. In a
    thread other than the main thread (where Python cannot install signal
    handlers) it does nothing.

    Args:
        announce: Print the line when a first signal arrives (rank 0).
    """

    def __init__(self, announce: bool = True) -> None:
        self.announce = announce
        self.received = 0
        self._first_at = 0.0
        self._previous: Dict[int, object] = {}

    def __enter__(self) -> 'StopSignals':
        self.received = 0
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame) -> None:
        if self.received:
            if time.monotonic() - self._first_at < REPEAT_WINDOW_S:
                return  # the same request, relayed (torchrun forwards Ctrl-C to its workers)
            # Second signal: the user or the scheduler will not wait.
            os.write(2, f'\n{signal_name(signum)} again: exiting at once.\n'.encode())
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        self.received = signum
        self._first_at = time.monotonic()
        if self.announce:
            line = (
                f'\n{signal_name(signum)} received: saving a checkpoint after this '
                'iteration, then exiting (send it again to exit at once).\n'
            )
            os.write(2, line.encode())

    def agreed(self) -> int:
        """The signal every process stops for (0 to go on); a collective call.

        Under ``torch.distributed`` the flags of all processes are combined
        (maximum), so the processes stop after the same iteration even when
        only some of them received the signal, or received it one iteration
        apart. Every process must call it at the same points.
        """
        import torch
        from mmengine.dist import all_reduce, get_world_size

        if get_world_size() == 1:
            return self.received
        flag = torch.tensor([self.received], dtype=torch.int64)
        all_reduce(flag, op='max')
        return int(flag.item())


@FUNCTIONS.register_module()
def ignore_stop_signals(worker_id: int) -> None:
    """``worker_init_fn`` of the training data loaders: ignore SIGTERM and SIGINT.

    The main process decides when to stop and shuts the workers down itself.
    Seeding is not needed here: the training sampler's keys seed each sample.

    Args:
        worker_id: The worker's number (unused; the data loader passes it).
    """
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
