"""Two-process (torchrun, gloo on the CPU) training and testing, and a stop signal to one rank."""

import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from tpn_run_helpers import (
    CONFIG,
    ROOT,
    TEST,
    TRAIN,
    data_options,
    env,
    free_port,
    last_checkpoint,
    load_ckpt,
    logged_scalars,
    make_data,
    run,
    torchrun,
)


def _metrics(stdout: str) -> dict:
    return {k: float(v) for k, v in re.findall(r'^(\w+): ([0-9.]+)$', stdout, re.M)}


@pytest.fixture(scope='module')
def dist_run(tmp_path_factory):
    """A 2-process training run on 16 videos; returns (data root, work dir)."""
    root = make_data(str(tmp_path_factory.mktemp('dist') / 'synthetic'), 2, 1, frames=16)
    work_dir = str(tmp_path_factory.mktemp('dist_work'))
    # Fixed clips (test-mode sampling) make the loss fall steadily as the model fits them.
    # No warm-up: the config's lasts 128 iterations, longer than these 12.
    opts = data_options(root) + [
        'total_epochs=6',
        'data.train.pipeline.1.test_mode=True',
        'lr_config.warmup=None',
    ]
    torchrun(TRAIN, 2, free_port(), CONFIG, '--work-dir', work_dir, '--seed', '0',
             '--cfg-options', *opts)  # fmt: skip
    return root, work_dir


@pytest.mark.slow
def test_distributed_training_loss_falls(dist_run):
    _, work_dir = dist_run
    records = logged_scalars(work_dir)
    # 16 videos, 2 processes x 4 per batch: 2 iterations per epoch.
    assert [r['iter'] for r in records] == list(range(1, 13))
    losses = [r['loss'] for r in records]
    assert np.mean(losses[-4:]) < np.mean(losses[:4]) - 0.2, losses
    assert osp.isfile(osp.join(work_dir, 'epoch_6.pth'))


@pytest.mark.slow
def test_distributed_test_matches_single_process(dist_run, tmp_path):
    root, work_dir = dist_run
    # 7 videos: with 2 processes x 3 per batch the sampler pads, which must not count.
    lines = open(osp.join(root, 'synthetic_train_list_videos.txt')).read().splitlines()[:7]
    ann = tmp_path / 'seven.txt'
    ann.write_text('\n'.join(lines) + '\n')
    ckpt = osp.join(work_dir, 'epoch_6.pth')
    opts = data_options(root, videos_per_gpu=3) + [f'data.test.ann_file={ann}']
    args = ['--eval', 'top_k_accuracy', 'mean_class_accuracy', '--cfg-options', *opts]
    single = run(
        [
            sys.executable,
            TEST,
            CONFIG,
            ckpt,
            '--work-dir',
            str(tmp_path),
            '--out',
            str(tmp_path / 's.json'),
            *args,
        ]
    )
    dist = torchrun(
        TEST,
        2,
        free_port(),
        CONFIG,
        ckpt,
        '--work-dir',
        str(tmp_path),
        '--out',
        str(tmp_path / 'd.json'),
        *args,
    )
    assert _metrics(single.stdout) == _metrics(dist.stdout)
    assert set(_metrics(single.stdout)) == {'top1_acc', 'top5_acc', 'mean_class_accuracy'}
    scores_single = np.array(json.loads((tmp_path / 's.json').read_text()))
    scores_dist = np.array(json.loads((tmp_path / 'd.json').read_text()))
    assert scores_single.shape == scores_dist.shape == (7, 8)
    np.testing.assert_allclose(scores_dist, scores_single, rtol=1e-5, atol=1e-6)


def _rank_pid(launcher_pid: int, rank: int) -> int:
    with open(f'/proc/{launcher_pid}/task/{launcher_pid}/children') as f:
        children = [int(pid) for pid in f.read().split()]
    for pid in children:
        with open(f'/proc/{pid}/environ', 'rb') as f:
            if f'RANK={rank}'.encode() in f.read().split(b'\0'):
                return pid
    raise AssertionError(f'no process of rank {rank} among {children}')


@pytest.mark.slow
def test_sigterm_to_one_rank_stops_both_after_the_same_iteration(tiny_synthetic, tmp_path):
    work_dir = str(tmp_path / 'work')
    opts = data_options(tiny_synthetic, videos_per_gpu=2) + ['total_epochs=2']
    command = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
               f'--master_port={free_port()}', TRAIN, CONFIG, '--work-dir', work_dir,
               '--seed', '0', '--launcher', 'pytorch', '--cfg-options', *opts]  # fmt: skip
    log = tmp_path / 'stopped.txt'
    with open(log, 'wb') as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env(), stdout=out, stderr=subprocess.STDOUT)
    deadline = time.time() + 240
    while not logged_scalars(work_dir):
        assert proc.poll() is None and time.time() < deadline, log.read_text()[-3000:]
        time.sleep(0.05)
    os.kill(_rank_pid(proc.pid, 1), signal.SIGTERM)  # rank 0 gets no signal
    assert proc.wait(timeout=120) != 0
    output = log.read_text()
    assert re.search(r'exitcode\s*: 143', output), output[-3000:]  # 128 + SIGTERM
    match = re.search(r'Stopped by SIGTERM after iteration (\d+) .*; saved (\S+)\.', output)
    assert match, output[-3000:]
    stopped, path = int(match.group(1)), match.group(2)
    assert path == last_checkpoint(work_dir) == osp.join(work_dir, f'iter_{stopped}.pth')
    ckpt = load_ckpt(path)
    assert ckpt['meta']['iter'] == stopped == logged_scalars(work_dir)[-1]['iter']
    # 16 videos, 2 processes x 2 per batch: 4 iterations per epoch.
    assert ckpt['train_loop']['batch_in_epoch'] == stopped - 4 * ckpt['meta']['epoch']
