"""Measure training speed: clips/s, s/iter, peak GPU memory and MFU.

Examples::

    python tools/analysis/bench_train.py configs/recognition/tpn/tpn_slowonly_r50_8x8x1_150e_kinetics_rgb.py \\
        --device cuda --batch 32 --precision bf16 --channels-last --compile --part model
    python tools/analysis/bench_train.py CONFIG --part data --workers 16
    python tools/analysis/bench_train.py CONFIG --part all --json results.jsonl --label e2e

``--part model`` times forward, backward and optimizer step on a synthetic
batch of the config's training shape; ``data`` the training data loader
alone; ``all`` both together, with the share of time spent waiting for data.
``--precision fp32`` turns TF32 off; ``tf32`` turns it on for matrix products
and convolutions. MFU uses the peak table in ``mmaction/analysis/bench_train.py``
(H100/H200, A100) or ``--peak-tflops``.
"""

import argparse
import json
import os
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmaction.engine.cli import add_cfg_options

    parser = argparse.ArgumentParser(description='Benchmark training speed')
    parser.add_argument('config', help='MMAction2 0.x config file')
    parser.add_argument('--device', choices=['cpu', 'cuda'], help='default: cuda when available')
    parser.add_argument('--batch', type=int, help='clips per step (default data.videos_per_gpu)')
    parser.add_argument(
        '--precision',
        choices=['fp32', 'tf32', 'bf16', 'fp16'],
        help="default: the config's precision, else tf32 on CUDA and fp32 on the CPU",
    )
    parser.add_argument('--channels-last', action='store_true', help='channels-last memory format')
    parser.add_argument('--compile', action='store_true', help='torch.compile the model')
    parser.add_argument('--part', choices=['model', 'data', 'all'], default='model')
    parser.add_argument('--workers', type=int, help='loader workers (default data.workers_per_gpu)')
    parser.add_argument('--iters', type=int, default=20, help='timed steps')
    parser.add_argument('--warmup', type=int, default=3, help='untimed steps first (>= 1)')
    parser.add_argument('--peak-tflops', type=float, help="the device's peak TFLOP/s for MFU")
    parser.add_argument(
        '--cudnn-benchmark',
        choices=['on', 'off'],
        help="torch.backends.cudnn.benchmark (default: the config's cudnn_benchmark)",
    )
    add_cfg_options(parser)
    parser.add_argument(
        '--profile', type=int, default=0, metavar='N', help='then profile N steps (torch.profiler)'
    )
    parser.add_argument('--json', help='append the figures as one JSON line to this file')
    parser.add_argument('--label', default='', help='name of this row in --json')
    args = parser.parse_args(argv)
    if args.iters < 1 or args.warmup < 1:
        parser.error('--iters and --warmup must be at least 1')
    return args


def main(argv: Optional[List[str]] = None) -> dict:
    """Print the figures (and append them to ``--json``); return them as a dict."""
    args = parse_args(argv)
    if args.device == 'cpu' and 'torch' not in sys.modules:
        os.environ['CUDA_VISIBLE_DEVICES'] = ''  # hide GPUs before torch looks for them
    from mmaction.analysis.bench_train import BenchOptions, bench_train, format_result
    from mmaction.engine import cli_guard, load_config

    options = BenchOptions(
        part=args.part,
        batch=args.batch,
        precision=args.precision,
        channels_last=args.channels_last,
        compile=args.compile,
        workers=args.workers,
        iters=args.iters,
        warmup=args.warmup,
        peak_tflops=args.peak_tflops,
        cudnn_benchmark=None if args.cudnn_benchmark is None else args.cudnn_benchmark == 'on',
        profile=args.profile,
    )
    with cli_guard():
        cfg = load_config(args.config, args.cfg_options)
        result = bench_train(cfg, args.config, options, args.device)
    print(format_result(result), flush=True)
    record = dict(label=args.label, **result.to_dict())
    if args.json:
        with open(args.json, 'a') as file:
            file.write(json.dumps(record) + '\n')
    return record


if __name__ == '__main__':
    main(sys.argv[1:])
