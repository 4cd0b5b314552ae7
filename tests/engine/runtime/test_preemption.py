"""StopSignals, TrainingInterrupted and the data-loader workers' signal handling."""

import os
import signal
import subprocess
import sys

import pytest
from torch.utils.data import DataLoader, Dataset

from mmaction.engine import StopSignals, TrainingInterrupted, ignore_stop_signals


def test_first_signal_raises_the_flag_and_handlers_come_back(capfd):
    previous = signal.getsignal(signal.SIGTERM)
    with StopSignals() as stop:
        assert stop.received == 0 and stop.agreed() == 0
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.received == signal.SIGTERM
        assert stop.agreed() == signal.SIGTERM  # one process: its own flag
    assert signal.getsignal(signal.SIGTERM) is previous
    assert 'SIGTERM received: saving a checkpoint after this iteration' in capfd.readouterr().err


def test_only_the_announcing_process_prints(capfd):
    with StopSignals(announce=False) as stop:
        os.kill(os.getpid(), signal.SIGINT)
    assert stop.received == signal.SIGINT
    assert capfd.readouterr().err == ''


SECOND_SIGNAL = """
import os, signal, time
from mmaction.engine.runtime.preemption import StopSignals
with StopSignals():
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGINT)  # at once: the same request, relayed by a launcher
    print('after the relayed copy', flush=True)
    time.sleep(1.2)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)
print('still running')
"""


@pytest.mark.slow
def test_second_signal_exits_at_once():
    proc = subprocess.run(
        [sys.executable, '-c', SECOND_SIGNAL], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == -signal.SIGTERM  # killed by the signal, as without a handler
    assert 'SIGTERM again: exiting at once.' in proc.stderr
    assert proc.stdout == 'after the relayed copy\n'  # not 'still running'


def test_exit_status_is_128_plus_the_signal():
    assert TrainingInterrupted(signal.SIGTERM).exit_status == 143
    assert TrainingInterrupted(signal.SIGINT, 'stopped').exit_status == 130


class SignalHandlers(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, index):
        return [signal.getsignal(s) == signal.SIG_IGN for s in (signal.SIGTERM, signal.SIGINT)]


@pytest.mark.parametrize('init', [None, ignore_stop_signals])
def test_workers_ignore_stop_signals(init):
    loader = DataLoader(SignalHandlers(), batch_size=None, num_workers=1, worker_init_fn=init)
    ignored = all(all(flags) for flags in loader)
    assert ignored is (init is not None)
