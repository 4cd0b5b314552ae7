"""Scoring saved result files against the labels of the config's test set."""

import csv
import glob
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from mmaction.analysis.result_analysis import (
    evaluate_result_file,
    load_scored_test_set,
    result_confusion_matrix,
    write_confusion_csv,
)
from mmaction.engine.config.cfg_options import RawCfgOptions
from mmaction.engine.config.loader import merge_cfg_options
from mmaction.utils import ConfigError, ResultFileError


def _config(run, **overrides):
    cfg = Config.fromfile(run.config)
    # The same parsing the tools apply to --cfg-options (values are literals, not strings).
    merge_cfg_options(cfg, RawCfgOptions(o.split('=', 1) for o in run.cfg_options if o.startswith('data.')))
    cfg.merge_from_dict(overrides)
    return cfg


def _labels(run):
    """The labels of the test list, read here independently: the last column."""
    ann_file = next(o.split('=', 1)[1] for o in run.cfg_options if o.startswith('data.test.ann'))
    with open(ann_file) as f:
        return np.array([int(line.split()[-1]) for line in f if line.strip()])


def _test_tool_metrics(work_dir):
    """The metrics tools/test.py logged: the JSON at the top of its timestamp folder under test/."""
    (path,) = glob.glob(osp.join(work_dir, 'test', '*', '*.json'))
    with open(path) as f:
        return json.loads(f.readline())


def _independent_metrics(scores, labels):
    ranking = np.argsort(-scores, axis=1, kind='stable')
    top1 = float(np.mean(ranking[:, 0] == labels))
    top5 = float(np.mean([label in row[:5] for row, label in zip(ranking, labels)]))
    recalls = [np.mean(ranking[labels == c, 0] == c) for c in np.unique(labels)]
    return top1, top5, float(np.mean(recalls))


def _write(path, entries):
    path.write_text(json.dumps(entries))
    return str(path)


@pytest.mark.slow
def test_metrics_equal_those_of_the_test_tool(tiny_trained_run):
    run = tiny_trained_run
    metrics, scores = evaluate_result_file(
        _config(run), run.result_json, ['top_k_accuracy', 'mean_class_accuracy']
    )
    logged = _test_tool_metrics(run.work_dir)
    for name in ('top1_acc', 'top5_acc', 'mean_class_accuracy'):
        assert metrics[name] == logged[name], name
    assert scores.coverage() == 'over 8 of 8 videos'
    with open(run.result_json) as f:
        raw = np.array(json.load(f))
    top1, top5, mean_class = _independent_metrics(raw, _labels(run))
    assert (metrics['top1_acc'], metrics['top5_acc']) == pytest.approx((top1, top5))
    assert metrics['mean_class_accuracy'] == pytest.approx(mean_class)


@pytest.mark.slow
def test_unreadable_videos_are_left_out(tiny_trained_run, tmp_path):
    run = tiny_trained_run
    labels = _labels(run)
    rng = np.random.default_rng(0)
    scores = rng.random((8, 8))
    scores[np.arange(8), labels] = -1  # no video is right ...
    scores[[0, 2, 3], labels[[0, 2, 3]]] = 2  # ... but three of the six that were read
    entries = scores.tolist()
    entries[1] = entries[6] = None
    metrics, read = evaluate_result_file(
        _config(run), _write(tmp_path / 'r.json', entries), ['top_k_accuracy'],
        {'topk': (1, 3)},
    )  # fmt: skip
    assert read.coverage() == 'over 6 of 8 videos (2 unreadable)'
    kept = [0, 2, 3, 4, 5, 7]
    assert metrics['top1_acc'] == pytest.approx(0.5)
    assert metrics['top1_acc'] == pytest.approx(_independent_metrics(scores[kept], labels[kept])[0])
    assert set(metrics) == {'top1_acc', 'top3_acc'}


@pytest.mark.slow
def test_metrics_from_eval_config_and_missing_metrics(tiny_trained_run):
    run = tiny_trained_run
    cfg = _config(run)
    with pytest.raises(ConfigError, match='give --eval'):
        evaluate_result_file(cfg, run.result_json)
    cfg.merge_from_dict({'eval_config': dict(metrics=['mean_class_accuracy'])})
    metrics, _ = evaluate_result_file(cfg, run.result_json)
    assert set(metrics) == {'mean_class_accuracy'}
    with pytest.raises(ConfigError, match="Unknown metric 'top1'"):
        evaluate_result_file(cfg, run.result_json, ['top1'])


@pytest.mark.slow
def test_results_that_do_not_fit_are_refused(tiny_trained_run, tmp_path):
    cfg = _config(tiny_trained_run)
    short = _write(tmp_path / 'short.json', [[0.125] * 8] * 7)
    with pytest.raises(ResultFileError, match=r'short.json has 7 entries but the data.test '
                       r'annotation list .*synthetic_val_list_videos.txt has 8 videos'):  # fmt: skip
        load_scored_test_set(cfg, short)
    narrow = _write(tmp_path / 'narrow.json', [[0.2] * 5] * 8)
    with pytest.raises(
        ResultFileError, match=r'5 scores per video but model.cls_head.num_classes=8'
    ):
        load_scored_test_set(cfg, narrow)


@pytest.mark.slow
def test_confusion_matrix_counts_and_csv(tiny_trained_run, tmp_path):
    run = tiny_trained_run
    labels = _labels(run)
    predicted = labels.copy()
    predicted[labels == 0] = 3  # class 0 is taken for class 3
    entries = np.eye(8)[predicted].tolist()
    entries[5] = None
    scored = load_scored_test_set(_config(run), _write(tmp_path / 'r.json', entries))
    matrix = result_confusion_matrix(scored)
    assert matrix.shape == (8, 8) and matrix.sum() == 7
    expected = np.zeros((8, 8), dtype=int)
    for index in (0, 1, 2, 3, 4, 6, 7):
        expected[labels[index], predicted[index]] += 1
    assert matrix.tolist() == expected.tolist()
    assert result_confusion_matrix(scored, 'true').sum(axis=1).tolist() == pytest.approx(
        (expected.sum(axis=1) > 0).astype(float)
    )
    names = [f'class {i}' for i in range(8)]
    write_confusion_csv(str(tmp_path / 'cm.csv'), matrix, names)
    with open(tmp_path / 'cm.csv') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['true \\ predicted', *names]
    assert [row[0] for row in rows[1:]] == names
    assert np.array([row[1:] for row in rows[1:]], dtype=int).tolist() == expected.tolist()


@pytest.mark.slow
def test_multi_label_sets(tiny_trained_run, tmp_path):
    ann = tmp_path / 'multi.txt'
    ann.write_text('a.mp4 0 2\nb.mp4 1\nc.mp4 3 4 5\n')
    cfg = _config(tiny_trained_run, **{'data.test.ann_file': str(ann)})
    cfg.merge_from_dict({'data.test.multi_class': True, 'data.test.num_classes': 8})
    truth = np.zeros((3, 8))
    truth[0, [0, 2]] = truth[1, 1] = truth[2, [3, 4, 5]] = 1
    perfect = _write(tmp_path / 'perfect.json', (truth + 0.01 * np.arange(8)).tolist())
    metrics, _ = evaluate_result_file(cfg, perfect, ['mean_average_precision'])
    assert metrics['mean_average_precision'] == pytest.approx(1.0)
    worst = _write(tmp_path / 'worst.json', (1 - truth).tolist())
    assert (
        evaluate_result_file(cfg, worst, ['mean_average_precision'])[0]['mean_average_precision']
        < 0.5
    )
    with pytest.raises(ConfigError, match='multi-label annotation list'):
        result_confusion_matrix(load_scored_test_set(cfg, perfect))
