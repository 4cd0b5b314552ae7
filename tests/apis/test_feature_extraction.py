"""Features of a list of videos: one .npy per video, equal to the API's outputs=."""

import json
import os.path as osp
import sys

import numpy as np
import pytest
from tpn_run_helpers import CONFIG, ROOT, run, val_videos

from mmaction.apis import inference_recognizer, init_recognizer
from mmaction.apis.feature_extraction import extract_features, feature_names, read_video_list
from mmaction.utils.errors import AnnotationError, ConfigError

EXTRACT = osp.join(ROOT, 'tools', 'misc', 'extract_features.py')


@pytest.fixture(scope='module')
def model(untrained_checkpoint):
    return init_recognizer(CONFIG, untrained_checkpoint, 'cpu')


def test_whole_maps_equal_the_api_outputs(model, tiny_synthetic, tmp_path):
    videos = val_videos(tiny_synthetic)[:3]
    root = osp.join(tiny_synthetic, 'videos')
    index = extract_features(model, videos, str(tmp_path), 'backbone.layer4', 'none', 1, root)
    with open(index) as f:
        written = json.load(f)
    assert (written['layer'], written['pool']) == ('backbone.layer4', 'none')
    assert [entry['video'] for entry in written['videos']] == videos
    for video, entry in zip(videos, written['videos']):
        assert entry['feature'] == 'val/' + osp.basename(video)[: -len('.mp4')] + '.npy'
        array = np.load(tmp_path / entry['feature'])
        expected = inference_recognizer(model, video, outputs='backbone.layer4', as_tensor=False)
        np.testing.assert_array_equal(array, expected.features['backbone.layer4'])
        assert list(array.shape) == entry['shape'] == [1, 64, 8, 2, 2]  # view, C, T, H, W


def test_mean_pools_views_time_space_and_joins_the_stages(model, tiny_synthetic, tmp_path):
    video = val_videos(tiny_synthetic)[5]
    extract_features(model, [video], str(tmp_path), 'backbone', 'mean')
    array = np.load(tmp_path / (osp.basename(video)[: -len('.mp4')] + '.npy'))
    stages = inference_recognizer(model, video, outputs='backbone', as_tensor=False)
    c3, c4 = stages.features['backbone']  # out_indices (2, 3): 32 and 64 channels
    expected = np.concatenate([c3.mean(axis=(0, 2, 3, 4)), c4.mean(axis=(0, 2, 3, 4))])
    assert array.shape == (96,)
    np.testing.assert_allclose(array, expected, rtol=1e-5, atol=1e-6)


def test_neck_features_leave_out_its_losses(model, tiny_synthetic, tmp_path):
    video = val_videos(tiny_synthetic)[0]
    extract_features(model, [video], str(tmp_path), 'neck', 'none')
    array = np.load(tmp_path / (osp.basename(video)[: -len('.mp4')] + '.npy'))
    neck = inference_recognizer(model, video, outputs='neck', as_tensor=False).features['neck']
    np.testing.assert_array_equal(array, neck[0])
    assert array.shape[:2] == (1, 2048)


def test_what_cannot_be_written_is_one_line(model, tiny_synthetic, tmp_path):
    videos = val_videos(tiny_synthetic)
    with pytest.raises(ConfigError, match='--layer backbone gives 2 feature maps'):
        extract_features(model, videos[:1], str(tmp_path), 'backbone', 'none')
    with pytest.raises(ValueError, match="the model has no module 'backbone.layer9'"):
        extract_features(model, videos[:1], str(tmp_path), 'backbone.layer9', 'mean')
    with pytest.raises(ConfigError, match='would both write a.npy'):
        feature_names(['x/a.mp4', 'x/a.avi'], 'x')
    empty = tmp_path / 'list.txt'
    empty.write_text('# nothing\n\n')
    with pytest.raises(AnnotationError, match='no video in it'):
        read_video_list(str(empty))


def test_video_list_takes_the_first_field(tmp_path):
    listing = tmp_path / 'list.txt'
    listing.write_text('train/a.mp4 3\n# comment\nb 32 1\n')
    assert read_video_list(str(listing), '/data') == ['/data/train/a.mp4', '/data/b']


@pytest.mark.slow
def test_extract_features_tool(untrained_checkpoint, tiny_synthetic, model, tmp_path):
    out = tmp_path / 'features'
    listing = osp.join(tiny_synthetic, 'synthetic_val_list_videos.txt')
    proc = run([sys.executable, EXTRACT, CONFIG, untrained_checkpoint, '--video-list', listing,
                '--video-root', osp.join(tiny_synthetic, 'videos'), '--out', str(out),
                '--layer', 'head', '--batch', '4', '--device', 'cpu'])  # fmt: skip
    assert proc.stdout.strip() == (
        f'wrote the features of 8 videos to {out} (index: {out}/index.json)'
    )
    video = val_videos(tiny_synthetic)[7]
    head = inference_recognizer(model, video, outputs='cls_head', as_tensor=False)
    array = np.load(out / 'val' / 'move_down_fast_0000.npy')
    np.testing.assert_allclose(array, head.features['cls_head'].mean(axis=0), atol=1e-5)
