"""Reading training logs: this toolkit's work dirs and MMAction2 0.x's .log.json files."""

import glob
import json
import os.path as osp

import numpy as np
import pytest

from mmaction.analysis.training_log import (
    curve_panels,
    find_log_files,
    read_training_log,
    resolve_key,
    train_time_stats,
)
from mmaction.utils import ConfigError, ResultFileError


def _write_lines(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(r) + '\n' for r in records))
    return str(path)


def _legacy_log(tmp_path):
    """A 0.x log: 3 logged iterations (of 30) per epoch, validation after each epoch."""
    records = [{'env_info': 'sys.platform: linux', 'seed': 0, 'config': 'model = dict()'}]
    times = {1: [5.0, 1.0, 1.2], 2: [4.0, 2.0, 2.2]}
    for epoch in (1, 2):
        for i, inner in enumerate((10, 20, 30)):
            records.append(
                {'mode': 'train', 'epoch': epoch, 'iter': inner, 'lr': 0.01, 'memory': 800,
                 'data_time': 0.1, 'loss_cls': 2.0 - epoch + i / 10, 'top1_acc': 0.1 * epoch,
                 'loss': 2.5, 'time': times[epoch][i]}
            )  # fmt: skip
        records.append({'mode': 'val', 'epoch': epoch, 'iter': 5, 'lr': 0.01,
                        'top1_acc': 0.3 * epoch, 'mean_class_accuracy': 0.25 * epoch})  # fmt: skip
    return _write_lines(tmp_path / '20210101_000000.log.json', records)


@pytest.mark.slow
def test_work_dir_of_a_real_run(tiny_trained_run):
    work_dir = tiny_trained_run.work_dir
    # The work dir also holds the test run's folder, which has no training log.
    scalars = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    assert find_log_files(work_dir) == scalars and len(scalars) == 1
    with open(scalars[0]) as f:
        lines = [json.loads(line) for line in f]
    logged = [r for r in lines if 'loss_cls' in r]
    validated = [r for r in lines if 'mean_class_accuracy' in r]
    log = read_training_log(work_dir)
    assert log.name == osp.basename(work_dir)
    assert not log.iters_estimated
    assert len(log.train) == len(logged) == 8  # 2 epochs x 4 iterations, all logged
    assert [r['epoch'] for r in log.val] == [1, 2]
    x, y = log.series('loss_cls', 'train')
    assert x.tolist() == list(range(1, 9))
    assert y.tolist() == [r['loss_cls'] for r in logged]
    x, y = log.series('top1_acc', 'val')
    assert x.tolist() == [1, 2]
    assert y.tolist() == [r['top1_acc'] for r in validated]
    assert {'loss', 'loss_cls', 'loss_aux', 'lr', 'time', 'top1_acc'} <= set(log.keys('train'))
    # A timestamp folder and its scalars.json read the same.
    timestamp_dir = osp.dirname(osp.dirname(scalars[0]))
    for path in (timestamp_dir, scalars[0]):
        same = read_training_log(path)
        assert same.train == log.train and same.val == log.val
        assert same.name == f'{osp.basename(work_dir)}/{osp.basename(timestamp_dir)}'


def test_legacy_log_json(tmp_path):
    log = read_training_log(_legacy_log(tmp_path))
    assert log.iters_estimated
    x, y = log.series('loss_cls', 'train')
    # 30 iterations per epoch (the largest logged): epoch 2, iteration 10 is number 40.
    assert x.tolist() == [10, 20, 30, 40, 50, 60]
    np.testing.assert_allclose(y, [1.0, 1.1, 1.2, 0.0, 0.1, 0.2])
    x, y = log.series('mean_class_accuracy', 'val')
    assert x.tolist() == [1, 2] and y.tolist() == [0.25, 0.5]
    assert read_training_log(str(tmp_path)).train == log.train  # a 0.x work dir


def test_train_time_leaves_out_the_first_iteration_of_each_epoch(tmp_path):
    log = read_training_log(_legacy_log(tmp_path))
    stats = train_time_stats(log)
    assert stats.epochs == [1, 2]
    np.testing.assert_allclose(stats.epoch_means, [1.1, 2.1])
    assert stats.slowest == (2, pytest.approx(2.1)) and stats.fastest == (1, pytest.approx(1.1))
    assert stats.std == pytest.approx(0.5)
    assert stats.mean == pytest.approx((1.0 + 1.2 + 2.0 + 2.2) / 4)
    everything = train_time_stats(log, include_outliers=True)
    np.testing.assert_allclose(everything.epoch_means, [7.2 / 3, 8.2 / 3])
    assert everything.mean == pytest.approx(15.4 / 6)


@pytest.mark.slow
def test_resumed_runs_of_a_work_dir_are_joined(tmp_path):
    def train(epoch, step, loss):
        return {'lr': 0.1, 'loss': loss, 'time': 0.5, 'epoch': epoch, 'iter': step, 'step': step}

    first = [train(1, 1, 3.0), train(1, 2, 2.9), {'top1_acc': 0.2, 'step': 1},
             train(2, 3, 2.8), train(2, 4, 2.7)]  # fmt: skip
    # Killed in epoch 2, resumed from epoch_1.pth: steps 3 and 4 run again.
    second = [train(2, 3, 2.5), train(2, 4, 2.4), {'top1_acc': 0.4, 'step': 2}]
    _write_lines(tmp_path / 'work' / '20240101_100000' / 'vis_data' / 'scalars.json', first)
    _write_lines(tmp_path / 'work' / '20240101_120000' / 'vis_data' / 'scalars.json', second)
    log = read_training_log(str(tmp_path / 'work'))
    assert len(log.files) == 2
    x, y = log.series('loss', 'train')
    assert x.tolist() == [1, 2, 3, 4] and y.tolist() == [3.0, 2.9, 2.5, 2.4]
    x, y = log.series('top1_acc', 'val')
    assert x.tolist() == [1, 2] and y.tolist() == [0.2, 0.4]


def test_keys_resolve_to_validation_first(tmp_path):
    log = read_training_log(_legacy_log(tmp_path))
    assert resolve_key([log], 'top1_acc') == ('val', 'top1_acc')
    assert resolve_key([log], 'train:top1_acc') == ('train', 'top1_acc')
    assert resolve_key([log], 'loss_cls') == ('train', 'loss_cls')
    with pytest.raises(ResultFileError, match=r"no training record has 'loss_aux'.*loss_cls"):
        resolve_key([log], 'loss_aux')
    with pytest.raises(ResultFileError, match='prefix must be'):
        resolve_key([log], 'test:top1_acc')
    with pytest.raises(ResultFileError, match="no validation record has 'memory'"):
        log.series('memory', 'val')


def test_curve_panels_and_legends(tmp_path):
    log = read_training_log(_legacy_log(tmp_path))
    panels = curve_panels([log, log], ['loss_cls', 'top1_acc'], legend=['a', 'b'])
    assert [p.title for p in panels] == ['loss_cls (training)', 'top1_acc (validation)']
    assert panels[0].xlabel.startswith('iteration (estimated') and panels[1].xlabel == 'epoch'
    assert [c.label for c in panels[1].curves] == ['a', 'b']
    assert panels[1].curves[0].markers and not panels[0].curves[0].markers
    per_key = curve_panels([log], ['loss_cls', 'top1_acc'], legend=['l', 't'])
    assert [p.curves[0].label for p in per_key] == ['l', 't']  # 0.x: one per log and key
    with pytest.raises(ConfigError, match='--legend has 3 names'):
        curve_panels([log, log], ['loss_cls'], legend=['a', 'b', 'c'])


def test_bad_logs_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        read_training_log(str(tmp_path / 'nowhere'))
    (tmp_path / 'empty_dir').mkdir()
    with pytest.raises(ResultFileError, match='empty_dir: no training log found'):
        read_training_log(str(tmp_path / 'empty_dir'))
    broken = tmp_path / 'broken.json'
    broken.write_text('{"epoch": 1, "iter": 1, "loss": 1.0}\n{"epoch": 1, "it\n')
    with pytest.raises(ResultFileError, match='broken.json, line 2: not a JSON record'):
        read_training_log(str(broken))
    result = tmp_path / 'result.json'
    result.write_text('[[0.1, 0.9]]')
    with pytest.raises(ResultFileError, match='result.json, line 1: a list, not a JSON object'):
        read_training_log(str(result))
    metrics_only = _write_lines(tmp_path / 'test_run.json', [{'top1_acc': 0.5}])
    with pytest.raises(ResultFileError, match='no training or validation record'):
        read_training_log(metrics_only)
