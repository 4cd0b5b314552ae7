"""End to end: the quickstart script; kill a training and resume it."""

import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from tpn_run_helpers import (
    CONFIG,
    ROOT,
    TRAIN,
    data_options,
    env,
    last_checkpoint,
    load_ckpt,
    logged_scalars,
    make_data,
    run,
    train,
)

from mmaction.engine import is_complete_checkpoint


def _quickstart_checkout(tmp_path) -> str:
    """A folder that looks like a checkout (tools/ and configs/ linked) for the quickstart."""
    checkout = tmp_path / 'checkout'
    checkout.mkdir()
    for name in ('tools', 'configs'):
        os.symlink(osp.join(ROOT, name), checkout / name)
    return str(checkout)


@pytest.mark.slow
def test_quickstart_script(tmp_path):
    """``bash tools/quickstart.sh``, as the README has it: learns well above chance, in few lines.

    The script runs in a linked copy of the checkout, so its data and work
    dir land under tmp_path.
    """
    checkout = _quickstart_checkout(tmp_path)
    proc = subprocess.run(
        ['bash', osp.join(checkout, 'tools', 'quickstart.sh')],
        cwd=checkout, env=env(), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    lines = output.splitlines()
    assert len(lines) <= 150, output
    assert not [ln for ln in lines if 'deprecat' in ln.lower() or 'registry' in ln.lower()], output
    assert not [ln for ln in lines if 'Traceback' in ln], output
    metrics = {k: float(v) for k, v in re.findall(r'^(\w+): ([0-9.]+)$', proc.stdout, re.M)}
    assert metrics['top1_acc'] > 0.4, output  # 8 classes: chance is 0.125
    assert metrics['top5_acc'] >= metrics['top1_acc']
    work_dir = osp.join(checkout, 'work_dirs', 'tpn_slowonly_r18_synthetic_rgb')
    assert any(f.startswith('best_top1_acc_epoch_') for f in os.listdir(work_dir))
    scores = json.loads(open(osp.join(work_dir, 'result.json')).read())
    assert len(scores) == 64 and all(len(s) == 8 for s in scores)


@pytest.mark.slow
def test_kill_and_auto_resume_continues_exactly(tmp_path):
    root = make_data(str(tmp_path / 'synthetic'), 2, 1, frames=16)
    opts = data_options(root) + ['total_epochs=6', 'checkpoint_config.max_keep_ckpts=2']
    common = ['--seed', '0', '--deterministic', '--cfg-options', *opts]

    killed_dir = str(tmp_path / 'killed')
    proc = subprocess.Popen(
        [sys.executable, TRAIN, CONFIG, '--work-dir', killed_dir, *common],
        cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    first = osp.join(killed_dir, 'epoch_1.pth')
    deadline = time.time() + 240
    while not is_complete_checkpoint(first) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, 'training ended before it could be killed'
    done = [f for f in os.listdir(killed_dir) if re.match(r'epoch_\d+\.pth$', f)]
    assert done and 'epoch_6.pth' not in done
    resumed_from = last_checkpoint(killed_dir)
    start_epoch = load_ckpt(resumed_from)['meta']['epoch']

    res = run([sys.executable, TRAIN, CONFIG, '--work-dir', killed_dir, '--auto-resume', *common])
    assert f'resuming from {resumed_from}' in res.stdout + res.stderr
    final = load_ckpt(osp.join(killed_dir, 'epoch_6.pth'))
    assert (final['meta']['epoch'], final['meta']['iter']) == (6, 24)  # 4 iterations per epoch
    records = logged_scalars(killed_dir)
    resumed = [r for r in records if r['epoch'] > start_epoch]
    assert resumed[0]['iter'] == start_epoch * 4 + 1 and resumed[-1]['iter'] == 24
    assert sorted(f for f in os.listdir(killed_dir) if f.endswith('.pth')) == [
        'epoch_5.pth',
        'epoch_6.pth',
    ]  # max_keep_ckpts=2

    # Model, optimizer, schedule and random state were all restored: the resumed run
    # ends with exactly the weights of an uninterrupted one.
    straight_dir = str(tmp_path / 'straight')
    train(straight_dir, opts, '--seed', '0', '--deterministic')
    straight = load_ckpt(osp.join(straight_dir, 'epoch_6.pth'))
    for key, value in straight['state_dict'].items():
        assert torch.equal(final['state_dict'][key], value), key
