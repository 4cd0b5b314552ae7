"""A tiny TPN trained and tested by MMAction2 1.2.0, rebuilt with this toolkit's registries.

``tests/data/reference/mmaction2_1x_tiny/`` holds a 1.x config, the
checkpoint MMAction2 1.2.0's ``tools/train.py`` wrote after 2 epochs (with
optimizer, schedulers and message hub) and the ``tools/test.py --dump`` of
that checkpoint on the 8 validation videos (README.md there says how they
were made). Without any config layer, the model, the checkpoint (strict, safe
loader) and the test data set (pipeline as written, ``SampleFrames`` with the
1.x test protocol) must give MMAction2's scores for every video.
"""

import copy
from pathlib import Path

import pytest
import torch
from mmengine import Config

from mmaction.datasets import action_collate
from mmaction.evaluation import AccMetric, load_mmaction2_dump
from mmaction.registry import DATASETS, MODELS
from mmaction.utils.checkpoint import load_checkpoint

REF = Path(__file__).resolve().parents[1] / 'data' / 'reference' / 'mmaction2_1x_tiny'
ATOL = 1e-4


def build_test_dataset(cfg: Config, test_protocol: str):
    dataset = copy.deepcopy(cfg.test_dataloader.dataset.to_dict())
    # The config's paths are relative to the repository root; the test may run elsewhere.
    dataset['ann_file'] = str(REF / 'val_list_videos.txt')
    dataset['data_prefix'] = dict(video=str(REF / 'videos'))
    for transform in dataset['pipeline']:
        if transform['type'] == 'SampleFrames':
            transform['test_protocol'] = test_protocol
    return DATASETS.build(dataset)


def predict(model, dataset):
    with torch.no_grad():
        return [model.test_step(action_collate([dataset[i]]))[0] for i in range(len(dataset))]


@pytest.fixture(scope='module')
def tiny_1x():
    cfg = Config.fromfile(str(REF / 'config.py'))
    model = MODELS.build(cfg.model)
    checkpoint = load_checkpoint(model, REF / 'epoch_2.pth', strict=True, logger='silent')
    model.eval()
    return cfg, model, checkpoint


def test_scores_equal_mmaction2_1x(tiny_1x):
    cfg, model, _ = tiny_1x
    dump = load_mmaction2_dump(str(REF / 'scores.pkl'))
    outputs = predict(model, build_test_dataset(cfg, '1.x'))
    assert len(outputs) == len(dump) == 8
    for index, (ours, theirs) in enumerate(zip(outputs, dump)):
        torch.testing.assert_close(
            ours['pred_score'], theirs['pred_score'], rtol=0, atol=ATOL, msg=f'video {index}'
        )
        assert ours['pred_score'].argmax().item() == theirs['pred_label'].item()
        assert ours['gt_label'].tolist() == theirs['gt_label'].tolist() == [index]
    # The accuracies MMAction2's test run logged (test.log), under its names.
    metric = AccMetric(result_names='1.x')
    metric.process({}, outputs)
    assert metric.evaluate(size=8) == {'acc/top1': 0.125, 'acc/top5': 0.625, 'acc/mean1': 0.125}


@pytest.mark.slow
def test_the_test_protocol_matters_here(tiny_1x):
    # 24 frames, 3 clips of 4 frames 2 apart: 1.x starts them at frames 0, 8
    # and 17, 0.x at 2, 8 and 14. The 0.x placement gives other scores.
    cfg, model, _ = tiny_1x
    dump = load_mmaction2_dump(str(REF / 'scores.pkl'))
    outputs = predict(model, build_test_dataset(cfg, '0.x'))
    largest = max((o['pred_score'] - d['pred_score']).abs().max() for o, d in zip(outputs, dump))
    assert largest > 10 * ATOL


def test_checkpoint_is_mmaction2_1x_training_state(tiny_1x):
    _, _, checkpoint = tiny_1x
    assert set(checkpoint) == {'meta', 'state_dict', 'optimizer', 'param_schedulers', 'message_hub'}
    assert checkpoint['meta']['epoch'] == 2 and checkpoint['meta']['dataset_meta'] == {}
    assert checkpoint['meta']['experiment_name'].startswith('config_')
    # Warm-up (per iteration) and step schedulers, and SGD's momentum buffers.
    assert [type(s['milestones']).__name__ for s in checkpoint['param_schedulers'][1:]] == [
        'Counter'
    ]
    assert checkpoint['param_schedulers'][0]['start_factor'] == 0.1
    assert all('momentum_buffer' in s for s in checkpoint['optimizer']['state'].values())
    assert type(checkpoint['message_hub']['log_scalars']['train/loss']).__name__ == 'HistoryBuffer'
