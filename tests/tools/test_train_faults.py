"""tools/train.py survives preemption, non-finite losses, failed saves and dead data-loader workers.

Every test runs the real command line and checks the exit status and the
message. The reference is the session's ``tiny_trained_run`` (2 epochs of 4
iterations, ``--validate --seed 0 --deterministic``, no data-loader workers):
interrupted and resumed runs must end with exactly its weights. Validation
draws none of the training's random numbers, so runs that start from a copy
of its ``epoch_1.pth`` leave ``--validate`` out (which also keeps them from
touching its best checkpoint, named in the copy's message hub).
"""

import os
import os.path as osp
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from typing import List

import pytest
import torch
from tpn_run_helpers import (
    CONFIG,
    ROOT,
    TRAIN,
    env,
    last_checkpoint,
    load_ckpt,
    logged_scalars,
    train,
)

ITERS_PER_EPOCH = 4  # 16 videos, 4 per batch
COMMON = ('--seed', '0', '--deterministic')


def _command(work_dir: str, opts: List[str], *extra: str) -> List[str]:
    return [sys.executable, TRAIN, CONFIG, '--work-dir', work_dir, *COMMON, *extra,
            '--cfg-options', *opts]  # fmt: skip


def _start(work_dir: str, opts: List[str], *extra: str) -> subprocess.Popen:
    """Start a training in its own process group; stdout and stderr go to files in ``work_dir``."""
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'stdout.txt'), 'ab') as out, \
            open(osp.join(work_dir, 'stderr.txt'), 'wb') as err:  # fmt: skip
        return subprocess.Popen(
            _command(work_dir, opts, *extra), cwd=ROOT, env=env(), stdout=out, stderr=err,
            start_new_session=True,
        )  # fmt: skip


def _last_iter(work_dir: str) -> int:
    return max((r['iter'] for r in logged_scalars(work_dir)), default=0)


def _wait_for_iter(proc: subprocess.Popen, work_dir: str, target: int, timeout: float = 240):
    deadline = time.time() + timeout
    while _last_iter(work_dir) < target:
        assert proc.poll() is None, f'training ended early:\n{_stderr(work_dir)[-3000:]}'
        assert time.time() < deadline, 'training made no progress'
        time.sleep(0.05)


def _stderr(work_dir: str) -> str:
    with open(osp.join(work_dir, 'stderr.txt'), errors='replace') as f:
        return f.read()


def _assert_same_weights(path: str, reference: str) -> None:
    state, expected = load_ckpt(path)['state_dict'], load_ckpt(reference)['state_dict']
    assert state.keys() == expected.keys()
    for key, value in expected.items():
        assert torch.equal(state[key], value), key


def _copy_first_epoch(reference_dir: str, work_dir: str) -> str:
    """A work dir holding only the reference's ``epoch_1.pth``, as a run after epoch 1 would."""
    os.makedirs(work_dir)
    path = shutil.copy(osp.join(reference_dir, 'epoch_1.pth'), work_dir)
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(path)
    return path


# A NaN weight of the TPN's auxiliary loss makes the loss of every step NaN.
NAN_LOSS = ['model.neck.aux_head_cfg.loss_weight=nan']


def _check_stop(work_dir: str, signum: int) -> None:
    """The one-line message, the pointer and the contents of the checkpoint of a stopped run."""
    message = _stderr(work_dir).strip().splitlines()[-1]
    match = re.fullmatch(
        rf'Stopped by {signum.name} after iteration (\d+) \(epoch (\d+): (\d+) of 4 batches '
        r'done\); saved (\S+)\. Continue with the same command plus --auto-resume\.',
        message,
    )
    assert match, message
    stopped, epoch, batch = (int(n) for n in match.groups()[:3])
    ckpt_path = match.group(4)
    assert stopped == _last_iter(work_dir) == (epoch - 1) * ITERS_PER_EPOCH + batch
    assert ckpt_path == osp.join(work_dir, f'iter_{stopped}.pth') == last_checkpoint(work_dir)
    ckpt = load_ckpt(ckpt_path)  # a whole checkpoint, loadable with weights_only=True
    assert (ckpt['meta']['epoch'], ckpt['meta']['iter']) == (epoch - 1, stopped)
    assert ckpt['train_loop'] == dict(batch_in_epoch=batch, sampler=dict(seed=0, shuffle=True))
    assert {'python', 'numpy', 'torch'} <= set(ckpt['rng_state'])


# Three interrupted runs in a row, each with another number of data-loader workers and
# another way of signalling: to the main process only, or to the whole process group as
# Slurm and a terminal's Ctrl-C do (the workers must ignore it).
STOPS = [(0, signal.SIGTERM, False), (1, signal.SIGINT, True), (2, signal.SIGTERM, True)]


@pytest.mark.slow
def test_preempted_runs_resume_mid_epoch_to_the_same_weights(tiny_trained_run, tmp_path):
    work_dir = str(tmp_path / 'work')
    opts = list(tiny_trained_run.cfg_options)
    for workers, signum, whole_group in STOPS:
        opts_now = opts + [f'data.workers_per_gpu={workers}']
        proc = _start(work_dir, opts_now, '--validate', '--auto-resume')
        _wait_for_iter(proc, work_dir, _last_iter(work_dir) + 1)
        if whole_group:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        assert proc.wait(timeout=120) == 128 + signum, _stderr(work_dir)[-3000:]
        _check_stop(work_dir, signum)

    proc = _start(work_dir, opts + ['data.workers_per_gpu=2'], '--validate', '--auto-resume')
    assert proc.wait(timeout=240) == 0, _stderr(work_dir)[-3000:]
    # Each iteration ran exactly once over the four runs: no batch was replayed.
    assert [r['iter'] for r in logged_scalars(work_dir)] == list(range(1, 9))
    _assert_same_weights(osp.join(work_dir, 'epoch_2.pth'), tiny_trained_run.checkpoint)
    assert not [f for f in os.listdir(work_dir) if f.startswith('iter_')]  # superseded


@pytest.mark.slow
def test_nonfinite_loss_skip_leaves_the_weights(tiny_trained_run, tmp_path):
    work_dir = str(tmp_path / 'work')
    epoch_1 = _copy_first_epoch(tiny_trained_run.work_dir, work_dir)
    opts = list(tiny_trained_run.cfg_options) + NAN_LOSS + ['nonfinite_loss=skip']
    out = train(work_dir, opts, *COMMON, '--auto-resume')
    skipped = re.findall(
        r'Non-finite loss at epoch 2, iteration (\d) .*loss_aux=nan; step '
        r"skipped \(nonfinite_loss='skip'\), (\d) so far",
        out.stdout + out.stderr,
    )
    assert skipped == [('5', '1'), ('6', '2'), ('7', '3'), ('8', '4')]
    before, after = load_ckpt(epoch_1), load_ckpt(osp.join(work_dir, 'epoch_2.pth'))
    assert after['meta']['iter'] == 8
    for name, value in before['state_dict'].items():
        if not name.endswith(('running_mean', 'running_var', 'num_batches_tracked')):
            assert torch.equal(after['state_dict'][name], value), name


def _file_size_limit(limit: int):
    def set_limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return set_limit


def _failing_run(work_dir: str, opts: List[str], **popen) -> str:
    """Run a training that must fail; returns its last line."""
    proc = subprocess.run(
        _command(work_dir, opts, '--auto-resume'), cwd=ROOT, env=env(), capture_output=True,
        text=True, timeout=240, **popen,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-3000:]
    return proc.stderr.strip().splitlines()[-1]


def _run_dirs(work_dir: str) -> List[str]:
    return [d for d in os.listdir(work_dir) if osp.isdir(osp.join(work_dir, d))]


def _assert_only_epoch_1(work_dir: str, epoch_1: str) -> None:
    assert sorted(os.listdir(work_dir)) == sorted(
        ['epoch_1.pth', 'last_checkpoint', osp.basename(CONFIG)] + _run_dirs(work_dir)
    )  # no partial file left behind either
    assert last_checkpoint(work_dir) == epoch_1


@pytest.mark.slow
def test_nonfinite_loss_and_failed_save_keep_a_checkpoint_that_resumes(tiny_trained_run, tmp_path):
    work_dir = str(tmp_path / 'work')
    epoch_1 = _copy_first_epoch(tiny_trained_run.work_dir, work_dir)
    opts = list(tiny_trained_run.cfg_options)

    message = _failing_run(work_dir, opts + NAN_LOSS)
    assert message == (
        'error: non-finite loss at epoch 2, iteration 5 (batch 1 of 4): loss_aux=nan. '
        f'The weights were not updated and the last checkpoint, {epoch_1}, is kept. Lower the '
        'learning rate (optimizer.lr) or check the data and continue with --auto-resume, or set '
        "nonfinite_loss='skip' in the config to skip such steps"
    )
    _assert_only_epoch_1(work_dir, epoch_1)

    # A file-size limit below the checkpoint's size: its write fails with EFBIG
    # ("File too large"), as a full disk fails with ENOSPC.
    limit = _file_size_limit(os.path.getsize(epoch_1) // 2)
    message = _failing_run(work_dir, opts, preexec_fn=limit)
    failed = osp.join(work_dir, 'epoch_2.pth')
    assert message == (
        f'error: could not save checkpoint {failed}: File too large; the previous checkpoint '
        f'{epoch_1} is intact and last_checkpoint still points to it; free disk space (or '
        'raise the file-size limit) and continue with --auto-resume'
    )
    _assert_only_epoch_1(work_dir, epoch_1)

    # What both left behind resumes to the weights of a run that never failed.
    train(work_dir, opts, *COMMON, '--auto-resume')
    _assert_same_weights(failed, tiny_trained_run.checkpoint)


def _worker_pids(pid: int) -> List[int]:
    with open(f'/proc/{pid}/task/{pid}/children') as f:
        return [int(child) for child in f.read().split()]


@pytest.mark.slow
@pytest.mark.parametrize(
    'signum, expected',
    [
        (signal.SIGKILL, r'was killed \(SIGKILL\), most likely by the system because memory ran '
                         r'out: lower data\.workers_per_gpu'),
        (signal.SIGBUS, r'died of a bus error: the shared memory \(/dev/shm\) .* is full'),
    ],
)  # fmt: skip
def test_dead_data_loader_worker_is_explained(tiny_trained_run, tmp_path, signum, expected):
    work_dir = str(tmp_path / 'work')
    opts = list(tiny_trained_run.cfg_options) + ['data.workers_per_gpu=2']
    proc = _start(work_dir, opts)
    deadline = time.time() + 240
    while len(_worker_pids(proc.pid)) < 2:  # the first epoch has started its workers
        assert proc.poll() is None and time.time() < deadline, _stderr(work_dir)[-3000:]
        time.sleep(0.05)
    worker = _worker_pids(proc.pid)[0]
    os.kill(worker, signum)
    assert proc.wait(timeout=120) == 1
    # The worker's own last words (torch prints one for a bus error) may end in a NUL byte.
    message = _stderr(work_dir).strip().splitlines()[-1].lstrip('\x00')
    assert re.fullmatch(rf'error: data-loader worker \(pid {worker}\) {expected}.*', message), (
        message
    )
