"""PackActionInputs: a 1.x pipeline feeds the model what the 0.x Collect + ToTensor ending does."""

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine import Config

from mmaction.datasets import action_collate
from mmaction.datasets.transforms import Collect, PackActionInputs, ToTensor
from mmaction.datasets.transforms.compose import Compose
from mmaction.registry import MODELS, TRANSFORMS

REF = Path(__file__).resolve().parents[2] / 'data' / 'reference' / 'mmaction2_1x_tiny'


def _sample(filename, label):
    return dict(filename=str(REF / 'videos' / 'val' / filename), label=label, start_index=0,
                modality='RGB')  # fmt: skip


def test_1x_and_0x_pipelines_feed_the_model_the_same_tensors():
    cfg = Config.fromfile(str(REF / 'config.py'))
    pipeline_1x = copy.deepcopy(cfg.test_pipeline)
    assert pipeline_1x[-1] == dict(type='PackActionInputs')
    pipeline_0x = pipeline_1x[:-1] + [
        dict(type='Collect', keys=['imgs', 'label'], meta_keys=['img_shape']),
        dict(type='ToTensor', keys=['imgs', 'label']),
    ]
    videos = [('move_left_slow_0000.mp4', 0), ('move_up_fast_0000.mp4', 5)]
    batches = []
    for pipeline in (pipeline_1x, pipeline_0x):
        compose = Compose(pipeline)
        batches.append(action_collate([compose(_sample(name, label)) for name, label in videos]))
    new, old = batches
    assert set(new) == set(old) == {'imgs', 'label', 'img_metas'}
    # 3 clips x 3 crops of 4 frames, uint8 pixels, labels as (1,) long tensors.
    assert new['imgs'].shape == (2, 9, 3, 4, 32, 32) and new['imgs'].dtype == torch.uint8
    assert torch.equal(new['imgs'], old['imgs'])
    assert new['label'].tolist() == old['label'].tolist() == [[0], [5]]
    assert new['label'].dtype == old['label'].dtype == torch.int64
    # 1.x's default meta keys that a video pipeline has: img_shape only.
    assert new['img_metas'] == old['img_metas'] == [{'img_shape': (32, 32)}] * 2

    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        inputs = [model.data_preprocessor(batch, False) for batch in batches]
        assert torch.equal(inputs[0]['imgs'], inputs[1]['imgs'])
        scores = [model.test_step(batch) for batch in batches]
    for ours, theirs in zip(*scores):
        assert torch.equal(ours['pred_score'], theirs['pred_score'])


def test_labels_as_1x_stores_them():
    pack = TRANSFORMS.build(dict(type='PackActionInputs', meta_keys=()))
    imgs = np.zeros((1, 3, 2, 4, 4), np.uint8)
    assert pack(dict(imgs=imgs, label=3))['label'].tolist() == [3]
    assert pack(dict(imgs=imgs, label=np.int64(3)))['label'].tolist() == [3]
    assert pack(dict(imgs=imgs, label=[1, 4]))['label'].tolist() == [1, 4]
    multi_hot = torch.tensor([0.0, 1.0, 1.0])
    assert pack(dict(imgs=imgs, label=multi_hot))['label'] is multi_hot
    packed = pack(dict(imgs=imgs))  # no label (inference)
    assert set(packed) == {'imgs'} and packed['imgs'].shape == (1, 3, 2, 4, 4)
    # The tensor shares the array's memory, as ToTensor's.
    assert packed['imgs'].data_ptr() == torch.from_numpy(imgs).data_ptr()


def test_meta_collect_and_algorithm_keys():
    results = dict(imgs=np.zeros((1, 3, 2, 4, 4), np.uint8), label=1, img_shape=(4, 4),
                   video_id='v1', extra=np.ones(2), filename='a.mp4')  # fmt: skip
    packed = PackActionInputs(meta_keys=('img_shape', 'video_id', 'timestamp'),
                              algorithm_keys=('extra', 'missing'))(dict(results))  # fmt: skip
    assert packed['img_metas'] == {'img_shape': (4, 4), 'video_id': 'v1'}
    assert packed['extra'] is results['extra'] and 'missing' not in packed
    collected = PackActionInputs(collect_keys=('imgs', 'extra'), meta_keys=())(dict(results))
    assert set(collected) == {'imgs', 'extra', 'label'}
    assert collected['extra'].tolist() == [1.0, 1.0]
    # Collect + ToTensor of the same keys, for comparison.
    old = ToTensor(['imgs', 'label'])(Collect(['imgs', 'label'], meta_keys=['img_shape'])(results))
    new = PackActionInputs(meta_keys=('img_shape',))(dict(results))
    assert torch.equal(old['imgs'], new['imgs']) and torch.equal(old['label'], new['label'])
    assert old['img_metas'] == new['img_metas']


def test_clear_errors():
    with pytest.raises(
        TypeError, match=r"meta_keys must be a sequence of keys, .*meta_keys=\('img_shape',\)"
    ):
        PackActionInputs(meta_keys='img_shape')
    with pytest.raises(ValueError, match='hold .keypoint. but no "imgs"'):
        PackActionInputs()(dict(keypoint=np.zeros((1, 2))))
    with pytest.raises(KeyError, match='none of'):
        PackActionInputs()(dict(label=1))
    with pytest.raises(KeyError, match=r"collect_keys \['audios'\] are not in the results"):
        PackActionInputs(collect_keys=('audios',))(dict(imgs=np.zeros(1)))
