"""Record MMAction2 1.x's ``UniformSample`` indices (run with MMAction2's interpreter).

Writes the reference of ``tests/datasets/test_uniform_sample.py``: for each
setting, the ``frame_inds`` for start index 0 and 1 and every total frame
count of :data:`TOTALS`; in training mode after ``np.random.seed(total)``, so
that the test can draw the same random numbers. This script imports
MMAction2 1.x, not this toolkit; run it from outside this repository::

    cd /tmp && /path/to/mmaction2-venv/bin/python \\
        /path/to/repo/tools/analysis/compare_mmaction2/record_uniform_sample_1x.py \\
        /path/to/repo/tests/data/reference/uniform_sample_1x.json
"""

import json
import sys

import numpy as np

from mmaction.datasets.transforms import UniformSample  # MMAction2 1.x

TOTALS = list(range(1, 101)) + [150, 299, 300, 301, 1000]

SETTINGS = {
    # UniformerV2's Kinetics test sampling and its training sampling.
    'test_8x4': dict(clip_len=8, num_clips=4, test_mode=True),
    'test_8x1': dict(clip_len=8, num_clips=1, test_mode=True),
    'test_12x1': dict(clip_len=12, num_clips=1, test_mode=True),
    'test_16x2': dict(clip_len=16, num_clips=2, test_mode=True),
    'test_3x5': dict(clip_len=3, num_clips=5, test_mode=True),
    'train_8x1': dict(clip_len=8, num_clips=1),
    'train_12x1': dict(clip_len=12, num_clips=1),
}


def main(out: str) -> None:
    record = {}
    for name, params in SETTINGS.items():
        sampler = UniformSample(**params)
        rows = {}
        for start in (0, 1):
            for total in TOTALS:
                np.random.seed(total)
                results = sampler(dict(total_frames=total, start_index=start))
                rows[f'{start}:{total}'] = [int(i) for i in results['frame_inds']]
        record[name] = dict(params=params, frame_inds=rows)
    with open(out, 'w') as f:
        json.dump(record, f, separators=(',', ':'))


if __name__ == '__main__':
    main(sys.argv[1])
