"""Time the loading of a Kinetics-400-sized annotation file.

Writes a synthetic annotation list (default 240,000 lines, ``path label`` or
rawframe ``frame_dir total_frames label``), builds the dataset with an empty
pipeline and prints the load time and the memory its annotations take.

Example::

    python tools/analysis/bench_annotation_load.py --lines 240000
"""

import argparse
import os
import tempfile
import time
import tracemalloc


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--lines', type=int, default=240000, help='annotation lines to generate')
    parser.add_argument('--kind', choices=['video', 'rawframe'], default='video')
    parser.add_argument('--repeat', type=int, default=3, help='timed loads (best is reported)')
    return parser.parse_args()


def write_annotations(path, lines, kind):
    with open(path, 'w') as file:
        for index in range(lines):
            label = index % 400
            name = f'label_{label:03d}/{index:011d}_{index % 300:06d}_{index % 300 + 10:06d}'
            if kind == 'video':
                file.write(f'{name}.mp4 {label}\n')
            else:
                file.write(f'{name} {250 + index % 50} {label}\n')


def main():
    args = parse_args()
    from mmaction.datasets import RawframeDataset, VideoDataset

    dataset_type = VideoDataset if args.kind == 'video' else RawframeDataset
    with tempfile.TemporaryDirectory() as tmp:
        ann_file = os.path.join(tmp, 'ann.txt')
        write_annotations(ann_file, args.lines, args.kind)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            dataset = dataset_type(ann_file, pipeline=[], num_classes=400)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        dataset = dataset_type(ann_file, pipeline=[], num_classes=400)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        kept = dataset._paths.nbytes + sum(column.nbytes for column in dataset._ints.values())
        kept += dataset._labels.nbytes
        size = os.path.getsize(ann_file)
    print(f'{dataset_type.__name__}: {len(dataset)} samples from a {size / 1e6:.1f} MB file')
    print(f'load time: best {min(times):.3f} s, all {", ".join(f"{t:.3f}" for t in times)}')
    print(
        f'annotation storage: {kept / 1e6:.1f} MB in numpy arrays; peak while parsing '
        f'{peak / 1e6:.0f} MB'
    )


if __name__ == '__main__':
    main()
