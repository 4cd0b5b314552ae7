"""Measure the data-loading speed of a config's pipeline in clips per second.

The dataset ``data.<split>`` of an MMAction2 0.x config is loaded through a
``torch.utils.data.DataLoader`` (batch size ``data.videos_per_gpu``,
``data.workers_per_gpu`` worker processes unless ``--workers`` says
otherwise, mmengine's ``default_collate``), exactly as training feeds the
model, and the clips per second are printed. The first batch (worker start-up)
is not timed. No model runs.

Example::

    python tools/analysis/bench_processing.py configs/analysis/bench_k400_video_pipeline.py \\
        --make-videos 16 --num-samples 256 --workers 2
"""

import argparse
import os
import os.path as osp
import sys
import time
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark a data pipeline (clips per second)')
    parser.add_argument('config', help='MMAction2 0.x config file')
    parser.add_argument('--num-samples', type=int, default=200, help='clips to load and time')
    parser.add_argument('--split', default='train', help='which data.<split> to load')
    parser.add_argument(
        '--workers', type=int, default=None, help='loader workers (default data.workers_per_gpu)'
    )
    parser.add_argument(
        '--batch-size', type=int, default=None, help='clips per batch (default data.videos_per_gpu)'
    )
    parser.add_argument(
        '--make-videos',
        type=int,
        default=0,
        metavar='N',
        help='first write N synthetic videos (h264, 30 fps) and the annotation list at the '
        "config's ann_file/data_prefix, unless that annotation file exists",
    )
    parser.add_argument('--video-size', type=int, nargs=2, default=(340, 256), metavar=('W', 'H'))
    parser.add_argument('--video-seconds', type=float, default=10.0)
    parser.add_argument('--num-classes', type=int, default=400, help='labels of made videos')
    return parser.parse_args(argv)


def make_videos(
    ann_file: str, data_prefix: str, count: int, size, seconds: float, num_classes: int
) -> None:
    """Write ``count`` moving-pattern videos and a ``name.mp4 label`` list."""
    import av
    import numpy as np

    width, height = size
    fps = 30
    os.makedirs(data_prefix, exist_ok=True)
    rng = np.random.default_rng(0)
    lines = []
    for index in range(count):
        name = f'video_{index:05d}.mp4'
        pattern = rng.integers(0, 256, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
        pattern = np.repeat(np.repeat(pattern, 8, axis=0), 8, axis=1)
        with av.open(osp.join(data_prefix, name), 'w') as container:
            stream = container.add_stream('libx264', rate=fps)
            stream.width, stream.height, stream.pix_fmt = width, height, 'yuv420p'
            for step in range(int(seconds * fps)):
                shifted = np.roll(pattern, (step, 2 * step), axis=(0, 1))[:height, :width]
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(shifted), format='rgb24')
                container.mux(stream.encode(frame))
            container.mux(stream.encode())
        lines.append(f'{name} {index % num_classes}\n')
    os.makedirs(osp.dirname(osp.abspath(ann_file)), exist_ok=True)
    with open(ann_file, 'w') as file:
        file.writelines(lines)
    print(f'wrote {count} videos ({width}x{height}, {seconds:g} s, {fps} fps) to {data_prefix}')


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    import torch
    from mmengine.config import Config
    from mmengine.dataset import default_collate
    from torch.utils.data import DataLoader, RandomSampler

    from mmaction.registry import DATASETS

    cfg = Config.fromfile(args.config)
    if 'data' not in cfg or args.split not in cfg.data:
        raise KeyError(f'{args.config} has no data.{args.split} (an MMAction2 0.x config)')
    dataset_cfg = cfg.data[args.split]
    if args.make_videos and not osp.isfile(dataset_cfg.ann_file):
        make_videos(
            dataset_cfg.ann_file,
            dataset_cfg.data_prefix,
            args.make_videos,
            args.video_size,
            args.video_seconds,
            args.num_classes,
        )
    import mmaction.datasets  # noqa: F401  (registers datasets and transforms)

    dataset = DATASETS.build(dataset_cfg)
    batch_size = args.batch_size or cfg.data.get('videos_per_gpu', 1)
    workers = args.workers if args.workers is not None else cfg.data.get('workers_per_gpu', 0)
    sampler = RandomSampler(dataset, replacement=True, num_samples=args.num_samples + batch_size)
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=workers,
        collate_fn=default_collate,
        persistent_workers=False,
    )
    torch.set_num_threads(1)
    iterator = iter(loader)
    first = next(iterator)
    shape = tuple(first['imgs'].shape) if 'imgs' in first else None
    clips, start = 0, time.perf_counter()
    for batch in iterator:
        clips += len(batch['imgs'])
    elapsed = time.perf_counter() - start
    print(
        f'{args.config} data.{args.split}: {len(dataset)} samples, batch {batch_size}, '
        f'{workers} workers, batch imgs {shape}'
    )
    print(f'{clips} clips in {elapsed:.2f} s: {clips / elapsed:.1f} clips/s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
