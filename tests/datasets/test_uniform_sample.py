"""UniformSample: MMAction2 1.x's indices, exactly, in test and (seeded) training mode."""

import json
from pathlib import Path

import numpy as np
import pytest

from mmaction.datasets import BrokenVideoError, UniformSample
from mmaction.registry import TRANSFORMS

# Recorded from MMAction2 1.2.0 by
# tools/analysis/compare_mmaction2/record_uniform_sample_1x.py: training rows
# after np.random.seed(total_frames).
REFERENCE = Path(__file__).parents[1] / 'data' / 'reference' / 'uniform_sample_1x.json'


def _reference():
    for name, entry in json.loads(REFERENCE.read_text()).items():
        yield pytest.param(entry['params'], entry['frame_inds'], id=name)


@pytest.mark.parametrize(('params', 'rows'), list(_reference()))
def test_matches_mmaction2_1x(params, rows):
    sampler = UniformSample(**params)
    mismatches = []
    for key, expected in rows.items():
        start_index, total_frames = (int(part) for part in key.split(':'))
        np.random.seed(total_frames)
        results = sampler(dict(total_frames=total_frames, start_index=start_index))
        assert results['frame_inds'].dtype == np.int32
        if results['frame_inds'].tolist() != expected:
            mismatches.append(key)
    assert len(rows) == 2 * 105
    assert not mismatches, f'frame_inds differ from MMAction2 1.2.0 for {mismatches}'


def test_test_mode_by_hand():
    # 25 frames, 4 segments of 6 frames: starts 0, 6, 12, 18; two clips are
    # 2 and 4 frames into each segment (int(6 / 3 * k)).
    results = UniformSample(clip_len=4, num_clips=2, test_mode=True)(
        dict(total_frames=25, start_index=1)
    )
    assert results['frame_inds'].tolist() == [3, 9, 15, 21, 5, 11, 17, 23]
    assert (results['clip_len'], results['num_clips'], results['frame_interval']) == (4, 2, None)


def test_builds_from_a_1x_config_and_rejects_bad_input():
    sampler = TRANSFORMS.build(dict(type='UniformSample', clip_len=8, num_clips=4, test_mode=True))
    assert isinstance(sampler, UniformSample) and sampler.num_clips == 4
    with pytest.raises(ValueError, match='clip_len must be a positive integer, got 0'):
        UniformSample(clip_len=0)
    with pytest.raises(KeyError, match='total_frames'):
        UniformSample(clip_len=8)(dict(start_index=0, filename='a.mp4'))
    with pytest.raises(BrokenVideoError, match='total_frames is 0'):
        UniformSample(clip_len=8)(dict(total_frames=0, start_index=0, filename='a.mp4'))
