"""browse_dataset: what the pipeline feeds the model, before normalization, as grids and GIFs."""

import copy
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from tpn_run_helpers import CONFIG, ROOT, data_options, decode_video, run

from mmaction.analysis.dataset_browser import browse_samples, write_sample
from mmaction.engine import load_config

BROWSE = osp.join(ROOT, 'tools', 'analysis', 'browse_dataset.py')


def synthetic_cfg(root):
    paths = [
        item.split('=', 1) for item in data_options(root) if '_file=' in item or 'prefix=' in item
    ]
    return load_config(CONFIG, dict(paths))


def crop_positions(frames, crops):
    """For each crop, the (frame index, top, left) of the decoded frame it was cut from."""
    found = []
    size = crops.shape[1]
    for crop in crops:
        hits = [
            (t, y, x)
            for t in range(len(frames))
            for y in range(frames.shape[1] - size + 1)
            for x in range(frames.shape[2] - size + 1)
            if np.array_equal(frames[t, y : y + size, x : x + size], crop)
        ]
        found.append(hits[0] if hits else None)
    return found


def test_val_samples_are_centre_crops_in_time_order(tiny_synthetic):
    labels = osp.join(tiny_synthetic, 'label_map.txt')
    samples = list(browse_samples(synthetic_cfg(tiny_synthetic), 'val', 2, label_map=labels))
    assert [s.index for s in samples] == [0, 1]
    first = samples[0]
    assert first.rows.shape == (1, 8, 56, 56, 3) and first.rows.dtype == np.uint8
    assert (first.label, first.names) == (0, ['move_left_slow'])
    frames = decode_video(first.source)  # 64x64: the Resize keeps them, CenterCrop cuts 56
    positions = crop_positions(frames, first.rows[0])
    assert all(p is not None and p[1:] == (4, 4) for p in positions)
    times = [p[0] for p in positions]
    steps = np.diff(times) % len(frames)
    assert (steps == 4).all()  # frame_interval 4, wrapping around the 16-frame video
    assert first.title()[0] == '#0  label 0: move_left_slow'


def test_train_samples_are_seeded_random_crops(tiny_synthetic):
    cfg = synthetic_cfg(tiny_synthetic)
    one = next(browse_samples(cfg, 'train', 1, seed=3))
    again = next(browse_samples(cfg, 'train', 1, seed=3))
    other = next(browse_samples(cfg, 'train', 1, seed=4))
    np.testing.assert_array_equal(one.rows, again.rows)
    positions = crop_positions(decode_video(one.source), one.rows[0])
    assert len({p[1:] for p in positions}) == 1  # one crop for the whole clip
    assert not np.array_equal(one.rows, other.rows)


def test_2d_pipeline_gives_one_row_per_crop(tiny_synthetic):
    cfg = synthetic_cfg(tiny_synthetic)
    cfg = Config(copy.deepcopy(cfg.to_dict()), filename=cfg.filename)
    cfg.data.test.pipeline = [
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=4, test_mode=True),
        dict(type='DecordDecode'),
        dict(type='ThreeCrop', crop_size=64),
        dict(type='Normalize', mean=[0, 0, 0], std=[1, 1, 1], to_bgr=True),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
        dict(type='ToTensor', keys=['imgs']),
    ]
    sample = next(browse_samples(cfg, 'test', 1))
    assert sample.rows.shape == (3, 4, 64, 64, 3)  # 3 crops x 4 segments
    # Before Normalize: still RGB (to_bgr is Normalize's), and the crops of one frame agree.
    frames = decode_video(sample.source)
    assert all(p is not None for p in crop_positions(frames, sample.rows[:, 0]))


def test_write_sample_draws_grid_and_gif(tiny_synthetic, tmp_path):
    labels = osp.join(tiny_synthetic, 'label_map.txt')
    sample = next(browse_samples(synthetic_cfg(tiny_synthetic), 'val', 1, label_map=labels))
    png, gif = write_sample(sample, str(tmp_path), fps=4)
    assert osp.basename(png) == '0000_move_left_slow_0000.png'
    grid = cv2.imread(png)
    # 8 frames of 56 scaled 2x to 112, 2-pixel gaps; a 50-pixel title bar on top.
    assert grid.shape == (50 + 112, 8 * 112 + 7 * 2, 3)
    assert decode_video(gif).shape == (8, 28 + 112, 112, 3)  # one title line


def test_unknown_split_is_one_line(tiny_synthetic):
    from mmaction.utils.errors import ConfigError

    with pytest.raises(ConfigError, match='--split dev: choose one of train, val, test'):
        next(browse_samples(synthetic_cfg(tiny_synthetic), 'dev', 1))


@pytest.mark.slow
def test_browse_dataset_tool(tiny_synthetic, tmp_path):
    out = tmp_path / 'browse'
    proc = run([sys.executable, BROWSE, CONFIG, '--split', 'train', '--num', '2', '--out', str(out),
                '--label-map', osp.join(tiny_synthetic, 'label_map.txt'),
                '--cfg-options', *data_options(tiny_synthetic)])  # fmt: skip
    assert proc.stdout.splitlines() == [
        f'#0  label 0: move_left_slow: wrote {out}/0000_move_left_slow_0000.png and '
        f'{out}/0000_move_left_slow_0000.gif',
        f'#1  label 1: move_left_fast: wrote {out}/0001_move_left_fast_0000.png and '
        f'{out}/0001_move_left_fast_0000.gif',
    ]
