"""The log and result analysis tools on a real tiny run: what they print and write.

analyze_logs.py, eval_metric.py, confusion_matrix.py, report_accuracy.py,
print_config.py and publish_model.py, run on ``tiny_trained_run`` (the
synthetic config trained 2 epochs, its logs, checkpoints and result.json).
"""

import csv
import glob
import json
import os.path as osp
import re
import sys

import numpy as np
import pytest
from matplotlib import image as mpimg
from mmengine.config import Config
from tool_loader import load_tool
from tpn_run_helpers import ROOT, run

ANALYSIS = osp.join(ROOT, 'tools', 'analysis')


def _tool(name):
    path = f'tools/{name}.py' if name == 'publish_model' else f'tools/analysis/{name}.py'
    return load_tool(path, name=f'result_tool_{name}')


def _val_list(run_):
    return next(o.split('=', 1)[1] for o in run_.cfg_options if o.startswith('data.test.ann'))


def _data_options(run_):
    return ['--cfg-options', *(o for o in run_.cfg_options if o.startswith('data.test.'))]


def _labels(run_):
    with open(_val_list(run_)) as f:
        return np.array([int(line.split()[-1]) for line in f if line.strip()])


def _scores(run_):
    with open(run_.result_json) as f:
        return np.array(json.load(f))


def _scalars(work_dir):
    (path,) = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        return [json.loads(line) for line in f]


@pytest.mark.slow
def test_plot_curve_and_train_time(tiny_trained_run, tmp_path, capsys):
    work_dir = tiny_trained_run.work_dir
    out = tmp_path / 'curve.png'
    args = ['plot_curve', work_dir, '--keys', 'loss_cls', 'top1_acc', '--out', str(out)]
    panels = _tool('analyze_logs').main(args)
    records = _scalars(work_dir)
    train = [r for r in records if 'loss_cls' in r]
    val = [r for r in records if 'mean_class_accuracy' in r]
    assert panels[0].curves[0].y.tolist() == [r['loss_cls'] for r in train]
    assert panels[0].curves[0].x.tolist() == [r['step'] for r in train]
    assert panels[1].curves[0].y.tolist() == [r['top1_acc'] for r in val]  # the validation one
    assert panels[1].curves[0].x.tolist() == [1, 2]
    rgba = mpimg.imread(out)
    assert rgba.shape == (600, 900, 4)
    assert np.mean(rgba[..., :3].min(axis=2) < 0.9) > 0.01  # not a blank page
    printed = capsys.readouterr().out
    assert '8 training and 2 validation records from 1 file(s)' in printed

    stats = _tool('analyze_logs').main(['cal_train_time', work_dir])[0]
    printed = capsys.readouterr().out
    epoch_means = [np.mean([r['time'] for r in train if r['epoch'] == e][1:]) for e in (1, 2)]
    slowest = int(np.argmax(epoch_means)) + 1
    assert stats.epoch_means.tolist() == pytest.approx(epoch_means)
    assert f'slowest epoch {slowest}, average time is {max(epoch_means):.4f} s/iter' in printed
    overall = np.mean([r['time'] for r in train if r['iter'] not in (1, 5)])
    assert f'average iter time: {overall:.4f} s/iter' in printed


@pytest.mark.slow
def test_plot_curve_runs_headless_as_a_script(tiny_trained_run, tmp_path):
    out = tmp_path / 'curve.png'
    legacy = tmp_path / 'old.log.json'
    legacy.write_text(
        '{"env_info": "", "seed": 0}\n'
        '{"mode": "train", "epoch": 1, "iter": 4, "lr": 0.01, "loss_cls": 2.5, "time": 1.0}\n'
        '{"mode": "val", "epoch": 1, "iter": 2, "lr": 0.01, "top1_acc": 0.25}\n'
    )
    result = run([sys.executable, osp.join(ANALYSIS, 'analyze_logs.py'), 'plot_curve',
                  tiny_trained_run.work_dir, str(legacy), '--keys', 'loss_cls', 'top1_acc',
                  '--legend', 'new', 'old', '--out', str(out)])  # fmt: skip
    assert f'saved the curves of loss_cls, top1_acc to {out}' in result.stdout
    assert mpimg.imread(out).shape == (600, 900, 4)


@pytest.mark.slow
def test_eval_metric_gives_the_numbers_of_the_test_tool(tiny_trained_run, capsys):
    run_ = tiny_trained_run
    metrics = _tool('eval_metric').main(
        [run_.config, run_.result_json, '--eval', 'top_k_accuracy', 'mean_class_accuracy',
         *_data_options(run_)]
    )  # fmt: skip
    (test_log,) = glob.glob(osp.join(run_.work_dir, 'test', '*', '*.json'))
    with open(test_log) as f:
        logged = json.load(f)  # what tools/test.py computed and printed
    for name in ('top1_acc', 'top5_acc', 'mean_class_accuracy'):
        assert metrics[name] == logged[name], name
    printed = capsys.readouterr().out
    assert f'Evaluating {run_.result_json} over 8 of 8 videos' in printed
    assert f'top1_acc: {logged["top1_acc"]:.4f}' in printed


@pytest.mark.slow
def test_confusion_matrix_tool(tiny_trained_run, tmp_path, capsys):
    run_ = tiny_trained_run
    label_map = osp.join(run_.data_root, 'label_map.txt')
    with open(label_map) as f:
        names = f.read().split()
    png, table = tmp_path / 'cm.png', tmp_path / 'cm.csv'
    matrix = _tool('confusion_matrix').main(
        [run_.config, run_.result_json, '--label-map', label_map, '--out', str(png),
         '--csv', str(table), *_data_options(run_)]
    )  # fmt: skip
    with open(table) as f:
        rows = list(csv.reader(f))
    counts = np.array([row[1:] for row in rows[1:]], dtype=int)
    assert counts.sum() == 8  # one count per video
    assert rows[0][1:] == names and [row[0] for row in rows[1:]] == names
    assert counts.sum(axis=1).tolist() == np.bincount(_labels(run_), minlength=8).tolist()
    assert counts.sum(axis=0).tolist() == np.bincount(_scores(run_).argmax(1), minlength=8).tolist()
    assert counts.tolist() == matrix.tolist()
    rgba = mpimg.imread(png)
    assert rgba.shape[0] >= 500 and rgba.shape[1] >= 600
    assert 'over 8 of 8 videos' in capsys.readouterr().out

    normalized = _tool('confusion_matrix').main(
        [run_.config, run_.result_json, '--normalize', '--csv', str(table), *_data_options(run_)]
    )
    assert normalized.sum(axis=1) == pytest.approx(np.ones(8))  # every class has a video


@pytest.mark.slow
def test_confusion_matrix_label_map_of_another_length(tiny_trained_run, tmp_path):
    run_ = tiny_trained_run
    short = tmp_path / 'label_map.txt'
    short.write_text('\n'.join(f'class_{i}' for i in range(7)) + '\n')
    with pytest.raises(SystemExit) as exit_info:  # cli_guard: one line, exit status 1
        _tool('confusion_matrix').main(
            [run_.config, run_.result_json, '--label-map', str(short),
             '--csv', str(tmp_path / 'cm.csv'), *_data_options(run_)]
        )  # fmt: skip
    message = str(exit_info.value)
    assert message.startswith(f'error: Label map {short} names 7 classes') and '\n' not in message
    assert 'num_classes=8' in message
    assert not (tmp_path / 'cm.csv').exists()


@pytest.mark.slow
def test_report_accuracy_fuses_scores(tiny_trained_run, tmp_path, capsys):
    run_ = tiny_trained_run
    labels = _labels(run_)
    first = _scores(run_)
    second = np.full((8, 8), 0.01)
    second[np.arange(8), (labels + 1) % 8] = 0.3  # a second model, always one class off
    entries = second.tolist()
    entries[4] = None  # it could not read video 4
    other = tmp_path / 'other.json'
    other.write_text(json.dumps(entries))
    results = _tool('report_accuracy').main(
        ['--scores', run_.result_json, str(other), '--coefficients', '1', '2',
         '--datalist', _val_list(run_), '--top-k', '1', '2']
    )  # fmt: skip
    kept = [0, 1, 2, 3, 5, 6, 7]
    fused = first[kept] + 2 * second[kept]
    ranking = np.argsort(-fused, axis=1)
    assert results['top1_acc'] == pytest.approx(np.mean(ranking[:, 0] == labels[kept]))
    top2 = np.mean([lab in row[:2] for row, lab in zip(ranking, labels[kept])])
    assert results['top2_acc'] == pytest.approx(top2)
    printed = capsys.readouterr().out
    assert 'Fusing 2 score files over 7 of 8 videos (1 unreadable)' in printed
    assert f'Top 2 Accuracy: {top2:.4f}' in printed

    with pytest.raises(SystemExit):
        _tool('report_accuracy').main(
            ['--scores', run_.result_json, '--coefficients', '1', '2', '--datalist', 'x.txt']
        )
    assert 'give one coefficient per score file' in capsys.readouterr().err


@pytest.mark.slow
def test_print_config_resolves_bases_and_options(tiny_trained_run, capsys):
    text = _tool('print_config').main(
        [tiny_trained_run.config, '--cfg-options', 'total_epochs=3', 'data.videos_per_gpu=2']
    )
    assert capsys.readouterr().out.strip() == text.strip()
    cfg = Config.fromstring(text, '.py')  # the output is a config file itself
    assert cfg.total_epochs == 3 and cfg.data.videos_per_gpu == 2
    assert cfg.log_level == 'INFO' and cfg.dist_params == dict(backend='nccl')  # from _base_
    assert cfg.model.cls_head.num_classes == 8
    assert '_base_' not in cfg


@pytest.mark.slow
def test_publish_model_tool(tiny_trained_run, tmp_path, capsys):
    import torch

    published = _tool('publish_model').main(
        [tiny_trained_run.checkpoint, str(tmp_path / 'tpn_tiny.pth')]
    )
    assert re.fullmatch(r'tpn_tiny-[0-9a-f]{8}\.pth', osp.basename(published.path))
    assert set(torch.load(published.path, weights_only=True)) == {'state_dict', 'meta'}
    printed = capsys.readouterr().out
    assert f'as {published.path}' in printed
    assert 'left out: message_hub, optimizer, param_schedulers, rng_state' in printed


@pytest.mark.slow
def test_missing_matplotlib_is_one_line(tiny_trained_run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'matplotlib.figure', None)
    with pytest.raises(SystemExit) as exit_info:
        _tool('analyze_logs').main(
            ['plot_curve', tiny_trained_run.work_dir, '--out', str(tmp_path / 'c.png')]
        )
    assert str(exit_info.value) == (
        'error: Drawing figures needs the matplotlib package: pip install matplotlib '
        '(or pip install -e ".[analysis]")'
    )
