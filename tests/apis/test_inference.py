"""init_recognizer / inference_recognizer(s) on the tiny trained synthetic TPN."""

import copy
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from tpn_run_helpers import decode_video, val_videos

from mmaction.apis import (
    RecognitionResult,
    Views,
    inference_recognizer,
    inference_recognizers,
    init_recognizer,
)
from mmaction.datasets import BrokenVideoError
from mmaction.utils.errors import AnnotationError, CheckpointError, ConfigError

IMG_NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_bgr=False)
TAIL = [
    dict(type='Normalize', **IMG_NORM),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs']),
]


def assert_same_scores(result, other):
    np.testing.assert_allclose(result.scores, other.scores, rtol=0, atol=1e-6)


def config_with_test_pipeline(run, pipeline, **dataset):
    cfg = Config.fromfile(run.config)
    cfg.data.test = dict(type='VideoDataset', ann_file='unused.txt', pipeline=pipeline, **dataset)
    return cfg


@pytest.fixture(scope='module')
def model(tiny_trained_run):
    return init_recognizer(tiny_trained_run.config, tiny_trained_run.checkpoint, device='cpu')


@pytest.mark.slow
def test_scores_equal_test_tool_out(tiny_trained_run, model):
    with open(tiny_trained_run.result_json) as f:
        expected = np.array(json.load(f), dtype=np.float64)
    videos = val_videos(tiny_trained_run.data_root)
    assert len(videos) == len(expected) == 8
    results = inference_recognizers(model, videos, batch_size=1)
    assert [r.video for r in results] == videos
    np.testing.assert_allclose([r.scores for r in results], expected, rtol=0, atol=1e-5)
    single = inference_recognizer(model, videos[3])
    np.testing.assert_allclose(single.scores, expected[3], rtol=0, atol=1e-5)
    # The model and its config are what tools/test.py runs.
    assert not model.training and next(model.parameters()).device.type == 'cpu'
    assert model.cfg.model.backbone.pretrained is None
    assert 'Normalize' not in [step['type'] for step in model.cfg.data.test.pipeline]
    assert model.data_preprocessor.mean.tolist() == pytest.approx(IMG_NORM['mean'])


@pytest.mark.slow
def test_result_lists_and_iterates_the_best_classes(tiny_trained_run, model):
    label_map = osp.join(tiny_trained_run.data_root, 'label_map.txt')
    with open(label_map) as f:
        names = f.read().split()
    result = inference_recognizer(model, val_videos(tiny_trained_run.data_root)[0],
                                  label_map=label_map, top_k=3)  # fmt: skip
    ranked = sorted(enumerate(result.scores.tolist()), key=lambda pair: -pair[1])
    assert result.scores.dtype == np.float32 and result.scores.shape == (8,)
    assert result.scores.sum() == pytest.approx(1.0, abs=1e-5)  # average_clips='prob'
    assert [(t.index, t.score, t.name) for t in result.top_k] == [
        (i, s, names[i]) for i, s in ranked[:3]
    ]
    # 0.x returned the top-5 (label, score) list; the result iterates like it.
    assert list(result) == ranked[:5] and len(result) == 5 and result[0] == ranked[0]
    labels = [label for label, _ in result]
    assert labels == [i for i, _ in ranked[:5]]


@pytest.mark.slow
def test_array_tensor_and_file_give_the_same_scores(tiny_trained_run, model):
    video = val_videos(tiny_trained_run.data_root)[1]
    frames = decode_video(video)
    from_file = inference_recognizer(model, video).scores
    from_array = inference_recognizer(model, frames).scores
    from_tensor = inference_recognizer(model, torch.from_numpy(frames)).scores
    np.testing.assert_array_equal(from_array, from_file)  # decoders give identical frames
    np.testing.assert_array_equal(from_tensor, from_file)


@pytest.mark.slow
def test_raw_frame_folder_with_a_video_config(tiny_trained_run, model):
    folder = osp.join(tiny_trained_run.data_root, 'rawframes', 'val', 'move_up_slow_0000')
    names = sorted(os.listdir(folder))
    assert names[0] == 'img_00001.jpg' and len(names) == 16
    frames = np.stack(
        [cv2.cvtColor(cv2.imread(osp.join(folder, n)), cv2.COLOR_BGR2RGB) for n in names]
    )
    assert_same_scores(inference_recognizer(model, folder), inference_recognizer(model, frames))


@pytest.mark.slow
def test_raw_frame_config_takes_a_video_file(tiny_trained_run, model):
    pipeline = [
        # The sampling of the video config's test pipeline, frames from a folder.
        dict(type='SampleFrames', clip_len=8, frame_interval=4, num_clips=1, test_mode=True),
        dict(type='RawFrameDecode'),
        dict(type='Resize', scale=(64, 64), keep_ratio=False),
        dict(type='CenterCrop', crop_size=56),
    ] + TAIL
    cfg = Config.fromfile(tiny_trained_run.config)
    cfg.data.test = dict(type='RawframeDataset', ann_file='unused.txt', pipeline=pipeline)
    rawframe_model = init_recognizer(cfg, tiny_trained_run.checkpoint, device='cpu')
    video = val_videos(tiny_trained_run.data_root)[2]
    assert_same_scores(
        inference_recognizer(rawframe_model, video), inference_recognizer(model, video)
    )


@pytest.mark.slow
def test_named_outputs_per_video(tiny_trained_run, model):
    videos = val_videos(tiny_trained_run.data_root)[:2]
    outputs = ('backbone', 'neck', 'cls_head', 'backbone.layer3')
    batch = inference_recognizers(model, videos, outputs=outputs, batch_size=2)
    for video, result in zip(videos, batch):
        alone = inference_recognizer(model, video, outputs=outputs)
        features = result.features
        assert set(features) == set(outputs)
        # backbone out_indices=(2, 3): 32 and 64 channels, 8 frames, 64 / 16 and 64 / 32 pixels
        assert [tuple(f.shape) for f in features['backbone']] == [
            (1, 32, 8, 4, 4),
            (1, 64, 8, 2, 2),
        ]
        assert features['neck'][0].shape == (1, 2048, 1, 2, 2) and features['neck'][1] == {}
        assert features['cls_head'].shape == (1, 8)
        assert torch.equal(features['backbone.layer3'], features['backbone'][0])
        for name in ('backbone', 'neck'):
            torch.testing.assert_close(features[name][0], alone.features[name][0])
        assert_same_scores(result, alone)
        probs = torch.softmax(features['cls_head'], dim=1)[0].numpy()
        np.testing.assert_allclose(probs, result.scores, rtol=0, atol=1e-6)
    as_numpy = inference_recognizer(model, videos[0], outputs='cls_head', as_tensor=False)
    assert isinstance(as_numpy.features['cls_head'], np.ndarray)
    with pytest.raises(ValueError, match="no module 'backbone.nope'.*backbone, neck, cls_head"):
        inference_recognizer(model, videos[0], outputs=('backbone.nope',))


@pytest.mark.slow
def test_views_use_fewer_clips_and_crops(tiny_trained_run):
    def pipeline(num_clips, crop):
        return [
            dict(type='DecordInit'),
            dict(type='SampleFrames', clip_len=8, frame_interval=1, num_clips=num_clips,
                 test_mode=True),
            dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, 64)),
            crop,
        ] + TAIL  # fmt: skip

    many = init_recognizer(config_with_test_pipeline(
        tiny_trained_run, pipeline(3, dict(type='ThreeCrop', crop_size=64))),
        tiny_trained_run.checkpoint, device='cpu')  # fmt: skip
    one = init_recognizer(config_with_test_pipeline(
        tiny_trained_run, pipeline(1, dict(type='CenterCrop', crop_size=64))),
        tiny_trained_run.checkpoint, device='cpu')  # fmt: skip
    video = val_videos(tiny_trained_run.data_root)[4]
    full = inference_recognizer(many, video, outputs='cls_head')
    assert full.features['cls_head'].shape == (9, 8)  # 3 clips x 3 crops
    fewer = inference_recognizer(many, video, outputs='cls_head', views=Views(clips=1, crops=1))
    assert fewer.features['cls_head'].shape == (1, 8)
    assert_same_scores(fewer, inference_recognizer(one, video))
    crops_only = inference_recognizer(many, video, outputs='cls_head', views=Views(crops=1))
    assert crops_only.features['cls_head'].shape == (3, 8)


@pytest.mark.slow
def test_unreadable_inputs_name_the_input(tiny_trained_run, model, tmp_path):
    missing = str(tmp_path / 'nope.mp4')
    not_video = tmp_path / 'notes.mp4'
    not_video.write_text('not a video')
    empty = tmp_path / 'empty_frames'
    empty.mkdir()
    cases = [
        (missing, 'nope.mp4'),
        (str(not_video), 'notes.mp4'),
        (str(empty), 'empty_frames.*no frame files named like img_00001.jpg'),
        (np.zeros((4, 64, 64, 3), np.float32), r'#0.*float32.*\(4, 64, 64, 3\).*uint8'),
        (np.zeros((4, 64, 64), np.uint8), r'#0.*\(4, 64, 64\).*\(T, H, W, 3\)'),
    ]
    for video, pattern in cases:
        with pytest.raises(BrokenVideoError, match=pattern) as info:
            inference_recognizer(model, video)
        assert '\n' not in str(info.value)
    good = val_videos(tiny_trained_run.data_root)[0]
    with pytest.raises(BrokenVideoError, match=r'#1'):
        inference_recognizers(model, [good, np.zeros((2, 8, 8, 4), np.uint8)])


@pytest.mark.slow
def test_label_map_must_fit_num_classes(tiny_trained_run, model, tmp_path):
    short = tmp_path / 'labels.txt'
    short.write_text('\n'.join(f'class_{i}' for i in range(7)) + '\n')
    video = val_videos(tiny_trained_run.data_root)[0]
    with pytest.raises(AnnotationError, match=r'labels.txt names 7 classes.*num_classes=8'):
        inference_recognizer(model, video, label_map=str(short))
    with pytest.raises(AnnotationError, match='has 9 names'):
        inference_recognizer(model, video, label_map=[str(i) for i in range(9)])


@pytest.mark.slow
def test_checkpoint_that_does_not_fit_lists_the_keys(tiny_trained_run):
    options = {'model.cls_head.num_classes': 5, 'model.neck.aux_head_cfg.out_channels': 5}
    with pytest.raises(CheckpointError, match=r'cls_head.fc_cls.weight \(checkpoint \[8, 2048\]'):
        init_recognizer(tiny_trained_run.config, tiny_trained_run.checkpoint, 'cpu', options)


@pytest.mark.slow
def test_cuda_request_without_cuda_runs_on_the_cpu(tiny_trained_run, monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    model = init_recognizer(tiny_trained_run.config, tiny_trained_run.checkpoint)
    assert next(model.parameters()).device.type == 'cpu'


@pytest.mark.slow
def test_model_must_give_one_score_per_class(tiny_trained_run):
    video = val_videos(tiny_trained_run.data_root)[0]
    for options, pattern in (
        ({'model.test_cfg.average_clips': None}, "average_clips is None.*'prob' or 'score'"),
        ({'model.test_cfg.feature_extraction': True}, 'feature_extraction'),
    ):
        model = init_recognizer(tiny_trained_run.config, None, 'cpu', copy.deepcopy(options))
        with pytest.raises(ConfigError, match=pattern):
            inference_recognizer(model, video)


@pytest.mark.slow
def test_result_type(tiny_trained_run, model):
    result = inference_recognizer(model, val_videos(tiny_trained_run.data_root)[0])
    assert isinstance(result, RecognitionResult) and result.features == {}
    assert all(t.name is None for t in result.top_k) and len(result.top_k) == 5


@pytest.mark.slow
def test_config_mistakes_are_config_errors(tiny_trained_run):
    with pytest.raises(ConfigError, match='nope.py does not exist'):
        init_recognizer(osp.join(osp.dirname(tiny_trained_run.config), 'nope.py'), device='cpu')
    with pytest.raises(ConfigError, match="no key 'cls_haed' under model"):
        init_recognizer(tiny_trained_run.config, None, 'cpu', {'model.cls_haed.num_classes': 5})
    cfg = Config.fromfile(tiny_trained_run.config)
    cfg.data.pop('test')
    with pytest.raises(ConfigError, match='no data.test.pipeline'):
        init_recognizer(cfg, device='cpu')
