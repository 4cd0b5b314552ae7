"""Measure the data-loading speed of a config's pipeline in clips per second.

The dataset ``data.<split>`` of an MMAction2 0.x config is loaded through a
``torch.utils.data.DataLoader`` (batch size ``data.videos_per_gpu``,
``data.workers_per_gpu`` worker processes unless ``--workers`` says
otherwise, mmengine's ``default_collate``), exactly as training feeds the
model: a trailing ``Normalize`` moves to the model as ``tools/train.py``
moves it. The first batch (worker start-up) is not timed. No model runs.
``--stages N`` also times each pipeline step on N samples in this process.

Example::

    python tools/analysis/bench_processing.py configs/analysis/bench_k400_video_pipeline.py \\
        --make-videos 16 --num-samples 256 --workers 2 --stages 20
"""

import argparse
import os.path as osp
import sys
from typing import List, Optional

from loader_timing import report, time_loader, time_stages


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
        '--stages',
        type=int,
        default=0,
        metavar='N',
        help='also time each pipeline step on N samples (in this process)',
    )
    parser.add_argument('--seed', type=int, default=0, help='seed of the sampler')
    parser.add_argument('--json', action='store_true', help='print the result as one JSON line')
    parser.add_argument(
        '--make-videos',
        type=int,
        default=0,
        metavar='N',
        help='first write N Kinetics-like videos (h264, 30 fps) and the annotation list at '
        "the config's ann_file/data_prefix, unless that annotation file exists",
    )
    parser.add_argument('--video-size', type=int, nargs=2, default=(340, 256), metavar=('W', 'H'))
    parser.add_argument('--video-seconds', type=float, default=10.0)
    parser.add_argument('--num-classes', type=int, default=400, help='labels of made videos')
    return parser.parse_args(argv)


def build_dataset(dataset_cfg: dict):
    """Build a 0.x dataset config with a trailing ``Normalize`` moved off, as training does."""
    from mmaction.engine.config.data import move_normalize_to_model
    from mmaction.registry import DATASETS

    data = {'split': dict(dataset_cfg)}
    move_normalize_to_model({}, data, ['split'])
    import mmaction.datasets  # noqa: F401  (registers datasets and transforms)

    return DATASETS.build(data['split'])


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmengine.config import Config
    from mmengine.dataset import default_collate

    cfg = Config.fromfile(args.config)
    if 'data' not in cfg or args.split not in cfg.data:
        raise KeyError(f'{args.config} has no data.{args.split} (an MMAction2 0.x config)')
    dataset_cfg = cfg.data[args.split]
    if args.make_videos and not osp.isfile(dataset_cfg.ann_file):
        from mmaction.utils.natural_video import make_natural_video_set

        width, height = args.video_size
        make_natural_video_set(
            dataset_cfg.data_prefix,
            dataset_cfg.ann_file,
            args.make_videos,
            num_classes=args.num_classes,
            workers=min(args.make_videos, 2),
            width=width,
            height=height,
            seconds=args.video_seconds,
        )
        print(f'wrote {args.make_videos} videos ({width}x{height}, {args.video_seconds:g} s)')
    if args.split != 'train':
        dataset_cfg = dict(dataset_cfg, test_mode=True)
    dataset = build_dataset(dataset_cfg)
    batch_size = args.batch_size or cfg.data.get('videos_per_gpu', 1)
    workers = args.workers if args.workers is not None else cfg.data.get('workers_per_gpu', 0)
    result = time_loader(dataset, batch_size, workers, args.num_samples, default_collate, args.seed)
    result.update(batch_size=batch_size, workers=workers, samples=len(dataset))
    if args.stages:
        result['stages'] = time_stages(
            dataset.pipeline.transforms,
            lambda index: dataset.make_results(index % len(dataset)),
            args.stages,
        )
    shape = tuple(result['first_batch_shape'] or ())
    title = (
        f'{args.config} data.{args.split}: {len(dataset)} samples, batch {batch_size}, '
        f'{workers} workers, batch imgs {shape}'
    )
    report(result, args.json, title)
    return 0


if __name__ == '__main__':
    sys.exit(main())
