"""SampleFrames / DenseSampleFrames: 0.x test-mode reference and train-mode behaviour."""

import json
from pathlib import Path

import numpy as np
import pytest

from mmaction.datasets import BrokenVideoError, DenseSampleFrames, SampleFrames

REFERENCE = Path(__file__).parents[1] / 'data' / 'reference' / 'sample_frames_0x.json'
# Recorded from MMAction2 1.2.0 by tools/analysis/compare_mmaction2/record_sample_frames_1x.py.
REFERENCE_1X = REFERENCE.with_name('sample_frames_1x.json')


def _reference_groups():
    entries = json.loads(REFERENCE.read_text())
    for name, entry in entries.items():
        for start_index in (0, 1):
            rows = {
                key: expected
                for key, expected in entry['frame_inds'].items()
                if key.startswith(f'{start_index}:')
            }
            yield pytest.param(entry['params'], rows, id=f'{name}-start{start_index}')


@pytest.mark.parametrize(('params', 'rows'), list(_reference_groups()))
def test_test_mode_matches_mmaction2_0x(params, rows):
    """Every "START_INDEX:TOTAL_FRAMES" row of the 0.x reference, exactly."""
    sampler = SampleFrames(**params)
    mismatches = []
    for key, expected in rows.items():
        start_index, total_frames = (int(part) for part in key.split(':'))
        results = sampler(dict(total_frames=total_frames, start_index=start_index))
        assert results['frame_inds'].dtype == np.int64
        assert results['num_clips'] == params['num_clips']
        if results['frame_inds'].tolist() != expected:
            mismatches.append(key)
    assert len(rows) == 302
    assert not mismatches, f'frame_inds differ from MMAction2 0.x for {mismatches}'


def test_reference_covers_all_rows():
    entries = json.loads(REFERENCE.read_text())
    assert len(entries) == 4
    for entry in entries.values():
        assert len(entry['frame_inds']) == 2 * 302


def _reference_1x():
    for name, entry in json.loads(REFERENCE_1X.read_text()).items():
        yield pytest.param(entry['params'], entry['frame_inds'], id=name)


@pytest.mark.parametrize(('params', 'rows'), list(_reference_1x()))
def test_test_mode_matches_mmaction2_1x(params, rows):
    """Every "START_INDEX:TOTAL_FRAMES[@FPS]" row of the 1.x reference, exactly."""
    sampler = SampleFrames(**params, test_protocol='1.x')
    mismatches = []
    for key, expected in rows.items():
        position, _, fps = key.partition('@')
        start_index, total_frames = (int(part) for part in position.split(':'))
        results = dict(total_frames=total_frames, start_index=start_index)
        if fps:
            results['avg_fps'] = float(fps)
        if sampler(results)['frame_inds'].tolist() != expected:
            mismatches.append(key)
    assert len(rows) >= 250
    assert not mismatches, f'frame_inds differ from MMAction2 1.x for {mismatches[:10]}'


def test_the_two_protocols_differ_where_1x_changed_3d_testing():
    # 1.x spreads 3D test clips from the first to the last start (PySlowFast);
    # 0.x puts each at its segment's middle. 2D (clip_len=1) sampling is shared.
    video = dict(total_frames=300, start_index=0)
    params = dict(clip_len=8, frame_interval=8, num_clips=10, test_mode=True)
    old = SampleFrames(**params)(dict(video))['frame_inds'][::8]
    new = SampleFrames(**params, test_protocol='1.x')(dict(video))['frame_inds'][::8]
    assert old.tolist() == [11, 35, 59, 82, 106, 130, 154, 177, 201, 225]  # 11.85 + 23.7 i
    assert new.tolist() == [0, 27, 54, 81, 108, 135, 162, 189, 216, 243]  # 243 / 9 = 27
    params = dict(clip_len=1, num_clips=8, test_mode=True, twice_sample=True)
    assert (
        SampleFrames(**params)(dict(video))['frame_inds'].tolist()
        == SampleFrames(**params, test_protocol='1.x')(dict(video))['frame_inds'].tolist()
    )


def test_protocol_and_target_fps_are_checked():
    with pytest.raises(ValueError, match="test_protocol must be '0.x' or '1.x'"):
        SampleFrames(clip_len=8, test_protocol='2.x')
    with pytest.raises(ValueError, match='target_fps=30 needs test_protocol'):
        SampleFrames(clip_len=8, target_fps=30)


@pytest.mark.parametrize('total_frames', [1, 5, 63, 64, 65, 100, 300])
@pytest.mark.parametrize('opt', ['loop', 'repeat_last'])
def test_train_mode_shape_and_bounds(total_frames, opt):
    np.random.seed(0)
    sampler = SampleFrames(clip_len=8, frame_interval=8, num_clips=3, out_of_bound_opt=opt)
    for start_index in (0, 1):
        for _ in range(20):
            inds = sampler(dict(total_frames=total_frames, start_index=start_index))['frame_inds']
            assert inds.shape == (24,)
            assert inds.min() >= start_index
            assert inds.max() < total_frames + start_index


def test_train_mode_randomness_and_clip_structure():
    np.random.seed(1)
    sampler = SampleFrames(clip_len=4, frame_interval=2, num_clips=2)
    draws = {tuple(sampler(dict(total_frames=200, start_index=0))['frame_inds']) for _ in range(30)}
    assert len(draws) > 1
    for draw in draws:
        clips = np.array(draw).reshape(2, 4)
        assert (np.diff(clips, axis=1) == 2).all()
        # Each clip stays in its own half of the video.
        assert clips[0, 0] < 100 <= clips[1, 0] + 4


def test_repeat_last_repeats_last_valid_frame():
    sampler = SampleFrames(
        clip_len=6, frame_interval=2, test_mode=True, out_of_bound_opt='repeat_last'
    )
    inds = sampler(dict(total_frames=5, start_index=0))['frame_inds']
    assert inds.tolist() == [0, 2, 4, 4, 4, 4]


def test_temporal_jitter_stays_inside_interval():
    np.random.seed(2)
    sampler = SampleFrames(clip_len=4, frame_interval=4, temporal_jitter=True, test_mode=True)
    inds = sampler(dict(total_frames=100, start_index=0))['frame_inds']
    base = SampleFrames(clip_len=4, frame_interval=4, test_mode=True)(
        dict(total_frames=100, start_index=0)
    )['frame_inds']
    assert ((inds - base >= 0) & (inds - base < 4)).all()


def test_keep_tail_frames_reaches_the_end():
    np.random.seed(3)
    sampler = SampleFrames(clip_len=1, num_clips=4, keep_tail_frames=True)
    last = max(sampler(dict(total_frames=10, start_index=0))['frame_inds'][-1] for _ in range(200))
    assert last == 9


def test_dense_sample_frames():
    np.random.seed(4)
    train = DenseSampleFrames(clip_len=2, frame_interval=1, num_clips=2, sample_range=8)
    inds = train(dict(total_frames=50, start_index=0))['frame_inds']
    assert inds.shape == (4,)
    assert inds[2] - inds[0] == 4
    test = DenseSampleFrames(
        clip_len=2, num_clips=2, sample_range=8, num_sample_positions=3, test_mode=True
    )
    inds = test(dict(total_frames=20, start_index=1))['frame_inds']
    assert inds.tolist() == [1, 2, 5, 6, 7, 8, 11, 12, 13, 14, 17, 18]


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match='out_of_bound_opt'):
        SampleFrames(clip_len=2, out_of_bound_opt='clip')
    with pytest.raises(ValueError, match='clip_len'):
        SampleFrames(clip_len=0)
    with pytest.raises(KeyError, match='total_frames'):
        SampleFrames(clip_len=2)(dict(start_index=0, filename='a.mp4'))
    with pytest.raises(BrokenVideoError, match='a.mp4'):
        SampleFrames(clip_len=2)(dict(total_frames=0, start_index=0, filename='a.mp4'))
    with pytest.warns(DeprecationWarning):
        SampleFrames(clip_len=2, start_index=1)
