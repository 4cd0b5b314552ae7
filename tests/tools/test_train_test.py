"""tools/train.py and tools/test.py on a tiny synthetic data set (single process)."""

import os
import os.path as osp
import pickle
import re
import sys

import pytest
import torch
import yaml
from mmengine.config import Config
from tpn_run_helpers import (
    CONFIG,
    TEST,
    data_options,
    last_checkpoint,
    load_ckpt,
    logged_scalars,
    run,
    train,
)


@pytest.fixture(scope='module')
def tiny_data(tiny_synthetic):
    return tiny_synthetic


def _metrics(stdout: str) -> dict:
    return {k: float(v) for k, v in re.findall(r'^(\w+): ([0-9.]+)$', stdout, re.M)}


@pytest.mark.slow
def test_seed_deterministic_runs_are_identical(tiny_data, tmp_path):
    opts = data_options(tiny_data) + ['total_epochs=1']
    runs = []
    for name in ('a', 'b'):
        work_dir = str(tmp_path / name)
        train(work_dir, opts, '--seed', '0', '--deterministic')
        ckpt = load_ckpt(osp.join(work_dir, 'epoch_1.pth'))
        runs.append(([r['loss'] for r in logged_scalars(work_dir)], ckpt['state_dict']))
    (losses_a, state_a), (losses_b, state_b) = runs
    assert len(losses_a) == 4 and losses_a == losses_b
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        assert torch.equal(state_a[key], state_b[key]), key


@pytest.mark.slow
def test_train_validate_test_best_then_test_tool(tiny_data, tmp_path):
    work_dir = str(tmp_path / 'run')
    opts = data_options(tiny_data) + ['total_epochs=2', 'evaluation.interval=1']
    out = train(work_dir, opts, '--validate', '--test-last', '--test-best', '--amp', '--seed', '1')
    files = os.listdir(work_dir)
    assert {'epoch_1.pth', 'epoch_2.pth', 'last_checkpoint'} <= set(files)
    assert any(f.startswith('best_top1_acc_epoch_') for f in files), files
    assert osp.basename(CONFIG) in files  # the 0.x config is copied into the work dir
    for name in ('last_pred.pkl', 'best_pred.pkl'):
        with open(osp.join(work_dir, name), 'rb') as f:
            scores = pickle.load(f)
        assert len(scores) == 8 and scores[0].shape == (8,)
    assert 'Testing results of the last checkpoint' in out.stdout + out.stderr

    # MMAction2's checkpoint format: state_dict, optimizer, meta with config/epoch/iter.
    ckpt_path = osp.join(work_dir, 'epoch_2.pth')
    assert last_checkpoint(work_dir) == ckpt_path
    ckpt = load_ckpt(ckpt_path)
    assert ckpt['meta']['epoch'] == 2 and ckpt['meta']['iter'] == 8
    assert 'optimizer' in ckpt and 'param_schedulers' in ckpt
    config_text = ckpt['meta']['config']
    assert Config.fromstring(config_text, '.py').model.cls_head.num_classes == 8
    plain = torch.load(ckpt_path, map_location='cpu', weights_only=True)['state_dict']
    assert 'cls_head.fc_cls.weight' in plain  # 0.x-style loading: torch.load + state_dict

    common = ['--cfg-options', *data_options(tiny_data)]
    res = run([sys.executable, TEST, CONFIG, ckpt_path, '--work-dir', work_dir,
               '--eval', 'top_k_accuracy',
               'mean_class_accuracy', '--out', str(tmp_path / 'r.pkl'), *common])  # fmt: skip
    metrics = _metrics(res.stdout)
    assert set(metrics) == {'top1_acc', 'top5_acc', 'mean_class_accuracy'}
    with open(tmp_path / 'r.pkl', 'rb') as f:
        scores = pickle.load(f)
    assert len(scores) == 8
    torch.testing.assert_close(torch.tensor(scores[0]).sum(), torch.tensor(1.0))  # 'prob'

    res = run([sys.executable, TEST, CONFIG, ckpt_path, '--work-dir', work_dir,
               '--eval', 'top_k_accuracy',
               '--fuse-conv-bn', '--average-clips', 'score', '--out', str(tmp_path / 'r.yaml'),
               *common])  # fmt: skip
    fused = _metrics(res.stdout)
    assert fused['top1_acc'] == metrics['top1_acc']
    scores_yaml = yaml.safe_load((tmp_path / 'r.yaml').read_text())
    assert len(scores_yaml) == 8 and len(scores_yaml[0]) == 8


@pytest.mark.slow
def test_bad_config_errors_are_clear(tiny_data, tmp_path):
    from mmaction.engine import ConfigError, TrainOptions, train_model

    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(dict(optimzer=dict(lr=0.1)))
    with pytest.raises(ConfigError, match="'optimzer'.*'optimizer'"):
        train_model(cfg, CONFIG, TrainOptions(work_dir=str(tmp_path)))
    cfg = Config.fromfile(CONFIG)
    # Real data, so that the run gets as far as building the model.
    cfg.merge_from_dict(
        {
            k: v
            for k, v in (o.split('=', 1) for o in data_options(tiny_data))
            if k.endswith(('ann_file', 'data_prefix'))
        }
    )
    cfg.model.neck.type = 'TPNN'
    with pytest.raises(ConfigError, match=r"'TPNN'.*model\.neck.*'TPN'"):
        train_model(cfg, CONFIG, TrainOptions(work_dir=str(tmp_path)))
    res = run([sys.executable, TEST, CONFIG, 'x.pth', '--out', 'r.txt'], check=False)
    assert res.returncode != 0 and 'r.txt' in res.stderr
