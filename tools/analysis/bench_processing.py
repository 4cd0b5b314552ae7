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
import sys
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


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmaction.analysis.loader_timing import report
    from mmaction.analysis.pipeline_speed import PipelineBenchOptions, bench_pipeline

    options = PipelineBenchOptions(
        split=args.split,
        num_samples=args.num_samples,
        workers=args.workers,
        batch_size=args.batch_size,
        stages=args.stages,
        seed=args.seed,
        make_videos=args.make_videos,
        video_size=tuple(args.video_size),
        video_seconds=args.video_seconds,
        num_classes=args.num_classes,
    )
    from mmaction.engine import cli_guard, load_config

    with cli_guard():
        result, title = bench_pipeline(load_config(args.config), args.config, options)
    report(result, args.json, title)
    return 0


if __name__ == '__main__':
    sys.exit(main())
