"""Broken test videos: placeholders in the loops, left out by the metrics, null in --out."""

import json

import numpy as np
import pytest
import torch

from mmaction.datasets import BrokenSample, action_collate
from mmaction.engine import BrokenVideoReport, DumpVideoScores
from mmaction.engine.runtime.eval_loops import predict_with_gaps
from mmaction.evaluation import AccMetric


def _step(batch):
    """Stands in for a model's test_step: the score is the image value, one-hot."""
    results = []
    for imgs, label in zip(batch['imgs'], batch['label']):
        score = torch.zeros(4)
        score[int(imgs.flatten()[0])] = 1.0
        results.append({'pred_score': score, 'gt_label': label})
    return results


def _sample(value, label):
    return {'imgs': torch.full((1, 2), float(value)), 'label': torch.tensor([label])}


def test_placeholders_take_the_place_of_broken_samples():
    batch = action_collate([_sample(1, 1), BrokenSample(5, 'x.mp4', 'bad'), _sample(2, 3)])
    outputs = predict_with_gaps(_step, batch)
    assert len(outputs) == 3
    assert outputs[1] == {'pred_score': None, 'broken': 'x.mp4'}
    assert (
        int(outputs[0]['pred_score'].argmax()) == 1 and int(outputs[2]['pred_score'].argmax()) == 2
    )
    only_broken = action_collate([BrokenSample(0, 'y.mp4', 'bad')])
    assert predict_with_gaps(_step, only_broken) == [{'pred_score': None, 'broken': 'y.mp4'}]


def test_metrics_leave_broken_videos_out(tmp_path):
    batch = action_collate([_sample(1, 1), BrokenSample(1, 'x.mp4', 'bad'), _sample(2, 3)])
    outputs = predict_with_gaps(_step, batch)
    accuracy = AccMetric(metric_list=('top_k_accuracy',), metric_options=dict(
        top_k_accuracy=dict(topk=(1,))))  # fmt: skip
    accuracy.process(batch, outputs)
    # One hit (video 0) of the two readable videos: 0.5, not 1/3.
    assert accuracy.compute_metrics(accuracy.results) == {'top1_acc': 0.5}

    scores = DumpVideoScores(str(tmp_path / 'scores.json'))
    scores.process(batch, outputs)
    scores.compute_metrics(scores.results)
    written = json.loads((tmp_path / 'scores.json').read_text())
    assert written[1] is None and np.argmax(written[0]) == 1 and len(written) == 3

    report = BrokenVideoReport(str(tmp_path / 'broken.txt'))
    report.process(batch, outputs)
    assert report.compute_metrics(report.results) == {}
    assert (tmp_path / 'broken.txt').read_text() == 'x.mp4\n'


def test_nothing_is_written_when_every_video_was_read(tmp_path):
    report = BrokenVideoReport(str(tmp_path / 'broken.txt'))
    report.process({}, [{'pred_score': torch.ones(2)}])
    report.compute_metrics(report.results)
    assert not (tmp_path / 'broken.txt').exists()


def test_every_video_broken_is_an_error():
    metric = AccMetric()
    metric.process({}, [{'pred_score': None, 'broken': 'x.mp4'}])
    with pytest.raises(ValueError, match='was every video unreadable'):
        metric.compute_metrics(metric.results)


class _Recorder(torch.nn.Linear):
    """A model whose test_step records the autocast state it ran under."""

    def test_step(self, batch):
        self.seen = (torch.is_autocast_enabled('cpu'), torch.get_autocast_dtype('cpu'))
        return [{'pred_score': torch.zeros(2)}]


class _Runner:
    def __init__(self, model):
        self.model = model

    def call_hook(self, *args, **kwargs):
        pass


@pytest.mark.parametrize(
    'dtype, torch_dtype', [('bfloat16', torch.bfloat16), ('float16', torch.float16)]
)
def test_test_loop_predicts_under_autocast_of_its_dtype(dtype, torch_dtype):
    from mmaction.engine.runtime.eval_loops import ActionTestLoop

    loop = ActionTestLoop.__new__(ActionTestLoop)  # without a data loader
    loop._runner, loop.fp16 = _Runner(_Recorder(2, 2)), False
    loop.evaluator = type('Evaluator', (), {'process': lambda self, **kw: None})()
    loop._set_dtype(dtype)
    loop.run_iter(0, {'imgs': torch.zeros(1, 2)})
    assert loop.runner.model.seen == (True, torch_dtype)
    assert not torch.is_autocast_enabled('cpu')
    loop._set_dtype(None)
    loop.run_iter(0, {'imgs': torch.zeros(1, 2)})
    assert loop.runner.model.seen[0] is False
    with pytest.raises(ValueError, match='dtype must be one of'):
        loop._set_dtype('float8')
