"""Fitting the test pipeline to the kind of video and to the views; frame folders."""

import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from mmaction.apis import Views
from mmaction.apis.inference_pipeline import FrameFolderFormat, fit_pipeline, initial_results
from mmaction.apis.video_source import VideoInput, count_frames, describe_input
from mmaction.datasets import BrokenVideoError, Compose
from mmaction.engine.input_spec import read_test_input_spec
from mmaction.utils.errors import ConfigError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TPN = osp.join(ROOT, 'configs', 'recognition', 'tpn')
SYNTHETIC = osp.join(TPN, 'tpn_slowonly_r18_synthetic_rgb.py')
STHV1 = osp.join(TPN, 'tpn_tsm_r50_1x1x8_150e_sthv1_rgb.py')
K400 = osp.join(TPN, 'tpn_slowonly_r50_8x8x1_150e_kinetics_rgb.py')


def types(pipeline):
    return [step['type'] for step in pipeline]


def spec(pipeline):
    return read_test_input_spec({'data': {'test': {'pipeline': pipeline}}})


def test_video_config_keeps_its_decoder_for_videos_and_swaps_it_otherwise():
    pipeline = Config.fromfile(SYNTHETIC).data.test.pipeline
    assert fit_pipeline(pipeline, 'video') == [dict(step) for step in pipeline]
    rest = types(pipeline)[3:]
    assert types(fit_pipeline(pipeline, 'rawframes')) == ['SampleFrames', 'RawFrameDecode'] + rest
    assert types(fit_pipeline(pipeline, 'array')) == ['SampleFrames', 'ArrayDecode'] + rest
    assert types(pipeline)[:3] == ['DecordInit', 'SampleFrames', 'DecordDecode']  # unchanged


def test_rawframe_config_reads_video_files_with_decord():
    cfg = Config.fromfile(STHV1)
    pipeline = cfg.data.test.pipeline
    fitted = fit_pipeline(pipeline, 'video')
    assert types(fitted)[:3] == ['DecordInit', 'SampleFrames', 'DecordDecode']
    assert fitted[3:] == [dict(step) for step in pipeline[2:]]
    assert FrameFolderFormat.from_config(cfg) == FrameFolderFormat('{:05}.jpg', 1, 'RGB')
    assert FrameFolderFormat.from_config(Config.fromfile(SYNTHETIC)) == FrameFolderFormat()


def test_views_of_a_3d_config():
    pipeline = Config.fromfile(K400).data.test.pipeline
    full = spec(pipeline)
    assert (full.num_clips, full.num_crops) == (10, 3)
    fewer = fit_pipeline(pipeline, 'video', Views(clips=2, crops=1))
    assert (spec(fewer).num_clips, spec(fewer).num_crops) == (2, 1)
    assert spec(fewer).height == full.height == 256
    only_crops = spec(fit_pipeline(pipeline, 'video', Views(crops=10)))
    assert (only_crops.num_clips, only_crops.num_crops) == (10, 10)


def test_views_of_a_2d_config():
    pipeline = Config.fromfile(STHV1).data.test.pipeline
    assert spec(pipeline).num_views == 6  # twice_sample x ThreeCrop
    one = spec(fit_pipeline(pipeline, 'array', Views(clips=1, crops=1)))
    assert (one.num_views, one.frames_per_view) == (1, 8)
    with pytest.raises(ConfigError, match='2D model.*1, or 2'):
        fit_pipeline(pipeline, 'array', Views(clips=3))


def test_views_errors():
    with pytest.raises(ConfigError, match='crops must be one of'):
        Views(crops=2)
    with pytest.raises(ConfigError, match='positive'):
        Views(clips=0)
    pipeline = Config.fromfile(SYNTHETIC).data.test.pipeline
    no_crop = [step for step in pipeline if step['type'] != 'CenterCrop']
    assert fit_pipeline(no_crop, 'video', Views(crops=1)) == [dict(s) for s in no_crop]
    with pytest.raises(ConfigError, match='no CenterCrop, ThreeCrop or TenCrop'):
        fit_pipeline(no_crop, 'video', Views(crops=3))
    with pytest.raises(ConfigError, match='exactly one decoding step'):
        fit_pipeline([dict(type='SampleFrames', clip_len=1)], 'video')


def test_array_pipeline_runs_on_frames_in_memory():
    pipeline = fit_pipeline(Config.fromfile(SYNTHETIC).data.test.pipeline, 'array')
    frames = np.random.default_rng(0).integers(0, 256, (40, 4, 4, 3), dtype=np.uint8)
    start = initial_results(describe_input(frames), FrameFolderFormat())
    decoded = Compose(pipeline[:2])(dict(start))
    # test-mode SampleFrames(clip_len=8, frame_interval=4) on 40 frames (0.x protocol): the
    # one clip starts in the middle of the 9 possible starts, at 4: frames 4, 8, ..., 32
    np.testing.assert_array_equal(np.stack(decoded['imgs']), frames[4:33:4])
    results = Compose(pipeline)(start)
    assert results['imgs'].shape == (1, 3, 8, 56, 56) and results['label'] == -1


def test_count_frames(tmp_path):
    for i in (1, 2, 3):
        (tmp_path / f'img_{i:05}.jpg').write_bytes(b'x')
    (tmp_path / 'other.txt').write_text('')
    assert count_frames(str(tmp_path), 'img_{:05}.jpg', 1) == 3
    with pytest.raises(BrokenVideoError, match='no frame files named like 00000.jpg'):
        count_frames(str(tmp_path), '{:05d}.jpg', 0)
    (tmp_path / 'img_00005.jpg').write_bytes(b'x')
    with pytest.raises(BrokenVideoError, match='without gaps; found 4 frames numbered 1 to 5'):
        count_frames(str(tmp_path), 'img_{:05}.jpg', 1)
    with pytest.raises(ConfigError, match='exactly one'):
        count_frames(str(tmp_path), 'img_{}_{}.jpg', 1)


def test_describe_input(tmp_path):
    video = tmp_path / 'a.mp4'
    video.write_bytes(b'x')
    assert describe_input(str(video)) == VideoInput('video', str(video), str(video))
    assert describe_input(tmp_path).kind == 'rawframes'
    with pytest.raises(TypeError, match='video #2'):
        describe_input(3.5, position=2)
