"""Grad-CAM (Captum's LayerGradCam) on the frames of the test pipeline, 3D and 2D models."""

import os.path as osp
import sys

import numpy as np
import pytest
from mmengine.config import Config
from tpn_run_helpers import CONFIG, ROOT, decode_video, run, val_videos

from mmaction.apis import inference_recognizer, init_recognizer
from mmaction.apis.gradcam import default_target_layer, gradcam, overlay_frames
from mmaction.utils.errors import ConfigError
from mmaction.utils.synthetic_data import render_video

GRADCAM_DEMO = osp.join(ROOT, 'demo', 'demo_gradcam.py')


@pytest.fixture(scope='module')
def slowonly(untrained_checkpoint):
    return init_recognizer(CONFIG, untrained_checkpoint, 'cpu')


def test_3d_maps_cover_the_frames_the_model_scores(slowonly, tiny_synthetic):
    video = val_videos(tiny_synthetic)[3]
    result = gradcam(slowonly, video)
    scores = inference_recognizer(slowonly, video).scores
    assert result.target.index == int(np.argmax(scores))
    assert result.target.score == pytest.approx(float(scores.max()), abs=1e-6)
    assert result.layer == 'backbone.layer4'
    assert result.frames.shape == (1, 8, 56, 56, 3) and result.frames.dtype == np.uint8
    assert result.heat.shape == (1, 8, 56, 56) and result.heat.dtype == np.float32
    assert np.isfinite(result.heat).all() and result.heat.min() >= 0 and result.heat.max() == 1
    # The frames are the test pipeline's: centre 56x56 crops of decoded frames, every 4th.
    decoded = decode_video(video)[:, 4:60, 4:60]
    matches = [
        [t for t in range(len(decoded)) if np.array_equal(decoded[t], frame)]
        for frame in result.frames[0]
    ]
    assert all(len(found) == 1 for found in matches)
    assert (np.diff([found[0] for found in matches]) % 16 == 4).all()
    overlay = overlay_frames(result)
    assert len(overlay) == 8 and overlay[0].shape == (56, 56, 3)


def test_target_class_and_layer_can_be_chosen(slowonly):
    frames = render_video(2, 32, 64, 64, np.random.default_rng(0))
    result = gradcam(slowonly, frames, 'backbone.layer3', target_class=5)
    assert (result.target.index, result.layer) == (5, 'backbone.layer3')
    scores = inference_recognizer(slowonly, frames).scores
    assert result.target.score == pytest.approx(float(scores[5]), abs=1e-6)
    assert result.heat.shape == (1, 8, 56, 56) and np.isfinite(result.heat).all()


def test_bad_layer_or_class_is_one_line(slowonly):
    frames = render_video(0, 16, 64, 64, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="target layer 'backbone.layer9': the model has no such"):
        gradcam(slowonly, frames, 'backbone.layer9')
    with pytest.raises(ConfigError, match='target class 8: the model has classes 0 to 7'):
        gradcam(slowonly, frames, target_class=8)
    assert default_target_layer(slowonly) == 'backbone.layer4'


def test_onnx_runtime_models_are_refused(slowonly, monkeypatch):
    # What init_recognizer(..., backend='onnxruntime') marks its recognizers with.
    monkeypatch.setattr(slowonly, 'backend', 'onnxruntime', raising=False)
    frames = render_video(0, 16, 64, 64, np.random.default_rng(0))
    with pytest.raises(
        ConfigError, match=r"^Grad-CAM needs the PyTorch backend: .*backend='pytorch'"
    ):
        gradcam(slowonly, frames)


def test_2d_tsm_maps_per_frame(tiny_tsm_model):
    cfg = Config(dict(
        model=tiny_tsm_model(),
        data=dict(test=dict(type='VideoDataset', ann_file='unused.txt', pipeline=[
            dict(type='DecordInit'),
            dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
            dict(type='DecordDecode'),
            dict(type='Resize', scale=(-1, 64)),
            dict(type='CenterCrop', crop_size=64),
            dict(type='Normalize', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
            dict(type='FormatShape', input_format='NCHW'),
            dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
            dict(type='ToTensor', keys=['imgs']),
        ])),
    ))  # fmt: skip
    model = init_recognizer(cfg, None, 'cpu')
    frames = render_video(1, 16, 64, 80, np.random.default_rng(1))
    result = gradcam(model, frames)
    assert result.layer == 'backbone.layer4'
    assert result.frames.shape == (1, 8, 64, 64, 3) and result.heat.shape == (1, 8, 64, 64)
    assert np.isfinite(result.heat).all() and 0 <= result.heat.min() and result.heat.max() <= 1
    # Segment middles of 16 frames in 8 segments (1, 3, ...), centre crops.
    np.testing.assert_array_equal(result.frames[0], frames[1::2, :, 8:72])


@pytest.mark.slow
def test_gradcam_demo_writes_the_overlay(untrained_checkpoint, tiny_synthetic, tmp_path):
    out = tmp_path / 'cam.gif'
    labels = osp.join(tiny_synthetic, 'label_map.txt')
    video = val_videos(tiny_synthetic)[0]
    proc = run([sys.executable, GRADCAM_DEMO, CONFIG, untrained_checkpoint, video,
                '--device', 'cpu', '--label-map', labels, '--out-filename', str(out)])  # fmt: skip
    lines = proc.stdout.splitlines()
    assert lines[0].startswith('Grad-CAM of class ') and lines[0].endswith(
        'at backbone.layer4: 1 views of 8 frames'
    )
    assert lines[1] == f'wrote {out} (8 frames, 5 fps)'
    assert decode_video(str(out)).shape == (8, 280, 280, 3)  # 56x56 scaled 5x for the text
    folder = tmp_path / 'not_frames.mp4'
    proc = run([sys.executable, GRADCAM_DEMO, CONFIG, untrained_checkpoint, video, '--use-frames'],
               check=False)  # fmt: skip
    assert (
        proc.returncode == 2 and f'--use-frames: {video} is not a folder of frames' in proc.stderr
    )
    assert not folder.exists()
