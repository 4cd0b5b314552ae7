"""Time the loading of a Kinetics-400-sized annotation file.

Writes a synthetic annotation list (default 240,000 lines, ``path label`` or
rawframe ``frame_dir total_frames label``), builds the dataset with an empty
pipeline and prints the load time and the memory its annotations take.

Example::

    python tools/analysis/bench_annotation_load.py --lines 240000
"""

import argparse


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--lines', type=int, default=240000, help='annotation lines to generate')
    parser.add_argument('--kind', choices=['video', 'rawframe'], default='video')
    parser.add_argument('--repeat', type=int, default=3, help='timed loads (best is reported)')
    return parser.parse_args()


def main():
    args = parse_args()
    from mmaction.analysis.pipeline_speed import time_annotation_load

    timing = time_annotation_load(args.lines, args.kind, args.repeat)
    times = timing.seconds
    print(
        f'{timing.dataset_type}: {timing.samples} samples from a '
        f'{timing.file_bytes / 1e6:.1f} MB file'
    )
    print(f'load time: best {min(times):.3f} s, all {", ".join(f"{t:.3f}" for t in times)}')
    print(
        f'annotation storage: {timing.kept_bytes / 1e6:.1f} MB in numpy arrays; peak while '
        f'parsing {timing.peak_bytes / 1e6:.0f} MB'
    )


if __name__ == '__main__':
    main()
