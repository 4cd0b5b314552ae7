import numpy as np
import pytest
import torch

from mmaction.evaluation import AccMetric
from mmaction.registry import METRICS


def _samples(scores, labels):
    return [
        dict(pred_score=torch.tensor(s, dtype=torch.float32), gt_label=torch.as_tensor(lab))
        for s, lab in zip(scores, labels)
    ]


SCORES = [
    [0.1, 0.6, 0.3, 0.0, 0.0, 0.0],
    [0.7, 0.2, 0.1, 0.0, 0.0, 0.0],
    [0.2, 0.3, 0.5, 0.0, 0.0, 0.0],
    [0.05, 0.35, 0.25, 0.1, 0.15, 0.1],
]


def test_default_metrics_with_single_labels():
    metric = METRICS.build(dict(type='AccMetric'))
    labels = [torch.tensor([1]), torch.tensor([1]), torch.tensor([0]), torch.tensor([0])]
    metric.process({}, _samples(SCORES[:2], labels[:2]))
    metric.process({}, _samples(SCORES[2:], labels[2:]))
    results = metric.evaluate(size=4)
    assert set(results) == {'top1_acc', 'top5_acc', 'mean_class_accuracy'}
    assert results['top1_acc'] == pytest.approx(0.25)
    assert results['top5_acc'] == pytest.approx(0.75)
    # Classes 0, 1 (labels) and 2 (only predicted): accuracies 0, 1/2, 0.
    assert results['mean_class_accuracy'] == pytest.approx(1 / 6)


def test_topk_option_prefix_and_scalar_labels():
    metric = AccMetric(
        metric_list='top_k_accuracy',
        metric_options=dict(top_k_accuracy=dict(topk=2)),
        prefix='val',
    )
    metric.process({}, _samples(SCORES, [1, 0, 2, 0]))
    assert metric.evaluate(size=4) == {'val/top2_acc': pytest.approx(0.75)}


def test_mean_average_precision_with_multi_hot_labels():
    metric = AccMetric(metric_list=('mean_average_precision', 'mmit_mean_average_precision'))
    scores = np.array([[0.9, 0.1], [0.8, 0.7], [0.7, 0.2], [0.6, 0.3]])
    labels = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    metric.process({}, _samples(scores, labels))
    results = metric.evaluate(size=4)
    assert results['mean_average_precision'] == pytest.approx(((1 + 2 / 3) / 2 + 1) / 2)
    assert 'mmit_mean_average_precision' in results


def test_mean_average_precision_from_single_labels_uses_one_hot():
    metric = AccMetric(metric_list=('mean_average_precision',))
    scores = np.array([[0.9, 0.1, 0.0], [0.4, 0.6, 0.0], [0.3, 0.2, 0.5]])
    metric.process({}, _samples(scores, [torch.tensor([0]), torch.tensor([0]), torch.tensor([2])]))
    # Class 0: positives rank 1 and 3 among (0.9, 0.4, 0.3) -> (1 + 1) / 2 = 1.
    # Class 1: no positives, skipped. Class 2: its positive ranks first -> 1.
    assert metric.evaluate(size=3)['mean_average_precision'] == pytest.approx(1.0)


def test_bad_configuration_and_inputs():
    with pytest.raises(KeyError, match='recall'):
        AccMetric(metric_list=('recall',))
    with pytest.raises(TypeError, match='topk'):
        AccMetric(metric_options=dict(top_k_accuracy=dict(topk=[1.5])))

    metric = AccMetric()
    metric.process({}, _samples(SCORES[:1], [torch.tensor([1.0, 0, 0, 0, 0, 0])]))
    with pytest.raises(ValueError, match='multi-hot'):
        metric.compute_metrics(metric.results)

    metric = AccMetric()
    with pytest.raises(KeyError, match='gt_label'):
        metric.process({}, [dict(pred_score=torch.zeros(3))])
    with pytest.raises(ValueError, match='no results'):
        metric.compute_metrics([])


def test_1x_result_names_and_prefix():
    labels = [torch.tensor([1]), torch.tensor([1]), torch.tensor([0]), torch.tensor([0])]
    metric = METRICS.build(dict(type='AccMetric', result_names='1.x'))
    metric.process({}, _samples(SCORES, labels))
    results = metric.evaluate(size=4)
    # MMAction2 1.x's names, with its default prefix; the values of 0.x's.
    assert results == pytest.approx({'acc/top1': 0.25, 'acc/top5': 0.75, 'acc/mean1': 1 / 6})
    metric = AccMetric(
        metric_list=('top_k_accuracy', 'mean_average_precision'),
        metric_options=dict(top_k_accuracy=dict(topk=(1, 2))),
        collect_device='cpu',
        prefix='val',
        result_names='1.x',
    )
    metric.process({}, _samples(SCORES, labels))
    assert set(metric.evaluate(size=4)) == {'val/top1', 'val/top2', 'val/mean_average_precision'}
    with pytest.raises(ValueError, match="result_names must be '0.x' or '1.x'"):
        AccMetric(result_names='2.x')
