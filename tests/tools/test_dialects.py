"""MMAction2 1.x configs, checkpoints and command lines through the real tools.

The reference run in ``tests/data/reference/mmaction2_1x_tiny`` was trained
and tested by MMAction2 1.2.0 itself (its README says how): our
``tools/test.py`` must give its ``--dump`` scores from its checkpoint.
"""

import os.path as osp
import signal
import subprocess
import sys

import numpy as np
import pytest
from tpn_run_helpers import ROOT, TEST, TRAIN, env, run

from mmaction.evaluation import load_mmaction2_dump

REFERENCE = osp.join(ROOT, 'tests', 'data', 'reference', 'mmaction2_1x_tiny')
CONFIG_1X = osp.join(
    ROOT, 'configs', '1.x', 'recognition', 'tpn', 'tpn-slowonly_r18_8xb8-8x4x1-8e_synthetic-rgb.py'
)
CONFIG_0X = osp.join(ROOT, 'configs', 'recognition', 'tpn', 'tpn_slowonly_r18_synthetic_rgb.py')


def _data_options_1x(root: str):
    opts = []
    for split, ann in (('train', 'train'), ('val', 'val'), ('test', 'val')):
        opts += [
            f'{split}_dataloader.dataset.ann_file={root}/synthetic_{ann}_list_videos.txt',
            f'{split}_dataloader.dataset.data_prefix.video={root}/videos',
            f'{split}_dataloader.batch_size=4',
        ]
    return opts + ['default_hooks.logger.interval=1']


@pytest.mark.slow
def test_mmaction2_1x_checkpoint_gives_its_own_dump(tmp_path):
    dump = tmp_path / 'scores.pkl'
    out = tmp_path / 'scores.json'
    proc = run(
        [sys.executable, TEST, osp.join(REFERENCE, 'config.py'), osp.join(REFERENCE, 'epoch_2.pth'),
         '--dump', str(dump), '--out', str(out), '--work-dir', str(tmp_path / 'work')]
    )  # fmt: skip
    # MMAction2 1.2.0's test.log: acc/top1: 0.1250  acc/top5: 0.6250  acc/mean1: 0.1250
    assert 'acc/top1: 0.1250' in proc.stdout and 'acc/top5: 0.6250' in proc.stdout
    assert 'config dialect: MMAction2 1.x' in proc.stdout
    ours = load_mmaction2_dump(str(dump))
    theirs = load_mmaction2_dump(osp.join(REFERENCE, 'scores.pkl'))
    assert len(ours) == len(theirs) == 8
    for mine, reference in zip(ours, theirs):
        assert set(reference) <= set(mine), sorted(set(reference) - set(mine))
        np.testing.assert_allclose(mine['pred_score'], reference['pred_score'], atol=1e-4)
        assert mine['pred_label'].tolist() == reference['pred_label'].tolist()
        assert mine['gt_label'].tolist() == reference['gt_label'].tolist()
        assert mine['img_shape'] == reference['img_shape']


@pytest.mark.slow
def test_1x_config_trains_validates_by_default_and_dumps(tiny_synthetic, tmp_path):
    work = str(tmp_path / 'work')
    opts = _data_options_1x(tiny_synthetic) + ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1']
    proc = run([sys.executable, TRAIN, CONFIG_1X, '--work-dir', work, '--seed', '0',
                '--cfg-options', *opts])  # fmt: skip
    assert 'config dialect: MMAction2 1.x' in proc.stdout
    # 1.x validates unless --no-validate, with 1.x's metric names.
    assert 'Epoch 1 val: acc/top1:' in proc.stdout
    dump, out = tmp_path / 'd.pkl', tmp_path / 'o.json'
    proc = run([sys.executable, TEST, CONFIG_1X, osp.join(work, 'epoch_1.pth'), '--work-dir', work,
                '--dump', str(dump), '--out', str(out), '--cfg-options', *opts])  # fmt: skip
    import json

    scores = np.array(json.loads(out.read_text()), dtype=np.float32)
    dumped = np.stack([r['pred_score'].numpy() for r in load_mmaction2_dump(str(dump))])
    np.testing.assert_array_equal(scores, dumped)
    proc = run([sys.executable, TRAIN, CONFIG_1X, '--work-dir', str(tmp_path / 'w2'),
                '--no-validate', '--cfg-options', *opts])  # fmt: skip
    assert ' val: ' not in proc.stdout


@pytest.mark.slow
def test_ctrl_c_during_testing_is_one_line_and_130(tmp_path):
    # The reference list 100 times over: testing outlasts the signal on a fast machine.
    with open(osp.join(REFERENCE, 'val_list_videos.txt')) as f:
        lines = [line for line in f if line.strip()]
    long_list = tmp_path / 'long_list.txt'
    long_list.write_text(''.join(lines * 100))
    args = [sys.executable, TEST, osp.join(REFERENCE, 'config.py'),
            osp.join(REFERENCE, 'epoch_2.pth'), '--dump', str(tmp_path / 'x.pkl'),
            '--work-dir', str(tmp_path), '--cfg-options', 'test_dataloader.num_workers=0',
            f'test_dataloader.dataset.ann_file={long_list}']  # fmt: skip
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    for line in proc.stdout:
        if line.startswith('Checkpoint:'):
            break
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert 'Traceback' not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert lines[-1].startswith('Interrupted (Ctrl-C)'), stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    'option, message',
    [
        ('data.videos_per_gpu=0', 'error: data.videos_per_gpu=0: must be a positive integer'),
        ('optimizer.lr=abc', "error: optimizer.lr='abc': must be a number"),
        ('model.neck.aux_head_cfg.out_channels=9',
         'error: model.neck.aux_head_cfg.out_channels=9 but model.cls_head.num_classes=8'),
        ("data.test.pipeline=[dict(type='SampleFrames', clip_len=8)]",
         "error: --cfg-options data.test.pipeline=[dict(type='SampleFrames', clip_len=8)]: "
         'the value could not be parsed'),
    ],
)  # fmt: skip
def test_bad_values_are_one_line(tiny_synthetic, tmp_path, option, message):
    proc = run([sys.executable, TRAIN, CONFIG_0X, '--work-dir', str(tmp_path),
                '--cfg-options', option], check=False)  # fmt: skip
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(message), proc.stderr


@pytest.mark.slow
def test_left_out_drawing_flags_point_to_the_demo(tmp_path):
    proc = run([sys.executable, TEST, CONFIG_1X, 'x.pth', '--show-dir', str(tmp_path)],
               check=False)  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith('error: --show-dir (drawing predictions during testing)')
    assert 'demo/demo.py' in proc.stderr
