"""Tests of the synthetic motion data set and its generator CLI."""

import filecmp
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from tool_loader import load_tool

from mmaction.utils.synthetic_data import (
    CLASS_NAMES,
    STH_VAL_ID_BASE,
    class_motion,
    generate_dataset,
    render_video,
)

SIZE, FRAMES = 32, 16


@pytest.fixture(scope='module')
def tiny_set(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synthetic'))
    argv = ['--out', out, '--num-train-per-class', '1', '--num-val-per-class', '1']
    argv += ['--width', str(SIZE), '--height', str(SIZE), '--frames', str(FRAMES), '--workers', '1']
    assert load_tool('tools/data/synthetic/generate.py').main(argv) == 0
    return out


def read_list(path):
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def test_layout_and_lists(tiny_set):
    out = tiny_set
    with open(osp.join(out, 'label_map.txt')) as f:
        assert [line.strip() for line in f] == list(CLASS_NAMES)
    for split in ('train', 'val'):
        videos = read_list(osp.join(out, f'synthetic_{split}_list_videos.txt'))
        frames = read_list(osp.join(out, f'synthetic_{split}_list_rawframes.txt'))
        sth = read_list(osp.join(out, 'sth', f'synthetic_{split}_list_rawframes.txt'))
        assert len(videos) == len(frames) == len(sth) == len(CLASS_NAMES)
        assert sorted(int(v[1]) for v in videos) == list(range(len(CLASS_NAMES)))
        for (video, label), (frame_dir, total, label2), (vid, total2, label3) in zip(
            videos, frames, sth
        ):
            assert video.startswith(f'{split}/') and video.endswith('.mp4')
            assert osp.isfile(osp.join(out, 'videos', video))
            assert frame_dir == video[:-4] and label == label2 == label3
            assert int(total) == int(total2) == FRAMES
            assert CLASS_NAMES[int(label)] in frame_dir
            kinetics = osp.join(out, 'rawframes', frame_dir)
            assert sorted(os.listdir(kinetics)) == [
                f'img_{i:05d}.jpg' for i in range(1, FRAMES + 1)
            ]
            assert vid.isdigit() and (int(vid) >= STH_VAL_ID_BASE) == (split == 'val')
            sth_dir = osp.join(out, 'sth', 'rawframes', vid)
            assert sorted(os.listdir(sth_dir)) == [f'{i:05d}.jpg' for i in range(1, FRAMES + 1)]
            assert filecmp.cmp(osp.join(kinetics, 'img_00003.jpg'), osp.join(sth_dir, '00003.jpg'))
    labels_csv = osp.join(out, 'sth', 'annotations', 'something-something-v1-labels.csv')
    with open(labels_csv) as f:
        assert len(f.read().splitlines()) == len(CLASS_NAMES)


@pytest.mark.parametrize('reader', ['opencv', 'pyav', 'decord'])
def test_videos_decode(tiny_set, reader):
    path = osp.join(tiny_set, 'videos', 'val', f'{CLASS_NAMES[3]}_0000.mp4')
    if reader == 'opencv':
        cap = cv2.VideoCapture(path)
        frames = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(frame)
        cap.release()
    elif reader == 'pyav':
        av = pytest.importorskip('av')
        with av.open(path) as container:
            frames = [f.to_ndarray(format='rgb24') for f in container.decode(video=0)]
    else:
        decord = pytest.importorskip('decord')
        reader_ = decord.VideoReader(path)
        frames = list(reader_.get_batch(list(range(len(reader_)))).asnumpy())
    assert len(frames) == FRAMES
    assert frames[0].shape == (SIZE, SIZE, 3)


def test_frames_match_renderer_and_rerun_skips(tiny_set, capsys):
    # The jpgs are the renderer's output for the seeded generator of that video.
    label, index = 5, 5  # first train video of class 5
    expected = render_video(label, FRAMES, SIZE, SIZE, np.random.default_rng([0, 0, index]))
    jpg = cv2.imread(
        osp.join(tiny_set, 'rawframes', 'train', f'{CLASS_NAMES[5]}_0000', 'img_00007.jpg')
    )
    error = np.abs(cv2.cvtColor(jpg, cv2.COLOR_BGR2RGB).astype(float) - expected[6]).mean()
    assert error < 12
    summary = generate_dataset(tiny_set, 1, 1, width=SIZE, height=SIZE, frames=FRAMES, workers=1)
    assert summary == dict(train=8, val=8, generated=0, skipped=16)


def test_deterministic_and_settings_change_regenerates(tmp_path):
    kwargs = dict(num_train_per_class=1, num_val_per_class=0, width=16, height=16, frames=4)
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    generate_dataset(a, workers=1, **kwargs)
    generate_dataset(b, workers=2, **kwargs)
    name = f'train/{CLASS_NAMES[2]}_0000'
    assert filecmp.cmp(
        osp.join(a, 'rawframes', name, 'img_00004.jpg'),
        osp.join(b, 'rawframes', name, 'img_00004.jpg'),
        shallow=False,
    )
    summary = generate_dataset(a, workers=1, seed=1, **kwargs)
    assert summary['generated'] == 8
    assert not filecmp.cmp(
        osp.join(a, 'rawframes', name, 'img_00004.jpg'),
        osp.join(b, 'rawframes', name, 'img_00004.jpg'),
        shallow=False,
    )
    assert generate_dataset(a, workers=1, seed=1, force=True, **kwargs)['generated'] == 8


def test_bad_arguments():
    with pytest.raises(ValueError, match='label'):
        class_motion(8, 32, 32)
    with pytest.raises(ValueError, match='height'):
        render_video(0, 4, 4, 32, np.random.default_rng(0))


# ---------------------------------------------------------------------------
# The task needs time: one frame says nothing about the class, motion does.

VIDEOS_PER_CLASS, LONG = 8, 32


@pytest.fixture(scope='module')
def rendered():
    return {
        label: [
            render_video(label, LONG, SIZE, SIZE, np.random.default_rng([7, label, i]))
            for i in range(VIDEOS_PER_CLASS)
        ]
        for label in range(len(CLASS_NAMES))
    }


def foreground(video):
    gray = video.astype(np.float32).mean(-1)
    return gray - np.median(gray, axis=0)  # the background is static


def estimate_shift(video, step=4):
    """Dominant (dy, dx) displacement over ``step`` frames, by phase correlation."""
    spectra = np.fft.fft2(foreground(video))
    cross = spectra[step:] * np.conj(spectra[:-step])
    cross /= np.abs(cross) + 1e-6
    corr = np.fft.ifft2(cross).real.sum(0)
    dy, dx = np.unravel_index(np.argmax(corr), corr.shape)
    return (dy + SIZE // 2) % SIZE - SIZE // 2, (dx + SIZE // 2) % SIZE - SIZE // 2


def circular_positions(frame_fg):
    """Mover position of one frame as unit complex numbers on the (y, x) torus."""
    energy = np.abs(frame_fg)
    phase = np.exp(2j * np.pi * np.arange(SIZE) / SIZE)
    y, x = (energy.sum(1) * phase).sum(), (energy.sum(0) * phase).sum()
    return np.array([y / abs(y), x / abs(x)])


def test_single_frames_carry_no_class_information(rendered):
    all_means = np.array([v.mean(axis=(1, 2, 3)) for vs in rendered.values() for v in vs])
    for label, videos in rendered.items():
        means = np.array([v.mean(axis=(1, 2, 3)) for v in videos])
        # Frame brightness has the same distribution in every class.
        assert abs(means.mean() - all_means.mean()) < 0.5 * all_means.std(), CLASS_NAMES[label]
        # At the first and at the last frame the mover is anywhere: the mean
        # resultant of its circular positions is far from 1 (one fixed place).
        for t in (0, LONG - 1):
            spread = np.abs(np.mean([circular_positions(foreground(v)[t]) for v in videos], 0))
            assert spread.max() < 0.75, (CLASS_NAMES[label], t, spread)


def test_motion_reveals_direction_and_speed(rendered):
    for label, videos in rendered.items():
        dy, dx = class_motion(label, SIZE, SIZE)
        expected = (round(4 * dy), round(4 * dx))
        for video in videos:
            assert estimate_shift(video) == expected, CLASS_NAMES[label]
