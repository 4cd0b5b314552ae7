"""Record MMAction2 1.x's test-mode ``SampleFrames`` indices (run with MMAction2's interpreter).

Writes the reference of ``tests/datasets/test_sample_frames.py``: for each
sampler, the ``frame_inds`` for start index 0 and 1 and every total frame
count of :data:`TOTALS`, and for the ``target_fps`` samplers for several
source frame rates (fewer lengths). This script imports MMAction2 1.x, not this
toolkit::

    /path/to/mmaction2-venv/bin/python \\
        tools/analysis/compare_mmaction2/record_sample_frames_1x.py tests/data/reference/sample_frames_1x.json
"""

import json
import sys

from mmaction.datasets.transforms import SampleFrames  # MMAction2 1.x

TOTALS = list(range(1, 301)) + [450, 1000]
FPS = [15.0, 25.0, 29.97, 60.0]
# Fewer lengths for the frame-rate samplers: the rule does not change past them.
TOTALS_FPS = list(range(1, 121)) + [150, 299, 300, 450, 1000]

SAMPLERS = {
    # The four samplers of MMAction2 1.2.0's TPN configs.
    'k400_test_8x8x10': dict(clip_len=8, frame_interval=8, num_clips=10, test_mode=True),
    'k400_val_8x8x1': dict(clip_len=8, frame_interval=8, num_clips=1, test_mode=True),
    'sthv1_test_1x1x8_twice': dict(
        clip_len=1, frame_interval=1, num_clips=8, twice_sample=True, test_mode=True
    ),
    'sthv1_val_1x1x8': dict(clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
    # The other branches of 1.x's _get_test_clips and of the bound handling.
    '3d_twice_4x2x3': dict(
        clip_len=4, frame_interval=2, num_clips=3, twice_sample=True, test_mode=True
    ),
    '3d_repeat_last_8x8x10': dict(
        clip_len=8, frame_interval=8, num_clips=10, out_of_bound_opt='repeat_last', test_mode=True
    ),
    '3d_target_fps_8x8x10': dict(
        clip_len=8, frame_interval=8, num_clips=10, target_fps=30, test_mode=True
    ),
    '3d_target_fps_8x4x1': dict(
        clip_len=8, frame_interval=4, num_clips=1, target_fps=15, test_mode=True
    ),
}


def main(out: str) -> None:
    record = {}
    for name, params in SAMPLERS.items():
        sampler = SampleFrames(**params)
        rows = {}
        rates = FPS if 'target_fps' in params else [None]
        for fps in rates:
            for start in (0, 1):
                for total in TOTALS if fps is None else TOTALS_FPS:
                    results = dict(total_frames=total, start_index=start)
                    if fps is not None:
                        results['avg_fps'] = fps
                    inds = sampler(results)['frame_inds']
                    key = f'{start}:{total}' if fps is None else f'{start}:{total}@{fps}'
                    rows[key] = [int(i) for i in inds]
        record[name] = dict(params=params, frame_inds=rows)
    with open(out, 'w') as f:
        json.dump(record, f, separators=(',', ':'))


if __name__ == '__main__':
    main(sys.argv[1])
