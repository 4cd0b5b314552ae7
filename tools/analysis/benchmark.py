"""Measure a recognizer's inference speed in videos per second.

Example::

    python tools/analysis/benchmark.py configs/recognition/tpn/tpn_tsm_r50_1x1x8_150e_sthv1_rgb.py \\
        --device cpu --num-iters 5 --warmup 1

As in MMAction2 0.x, one video per batch carries all test-time views of the
config's test pipeline (``data.test.pipeline``: ``num_clips`` (x2 with
``twice_sample``) clips x crops of ``ThreeCrop``/``TenCrop``/...; clip length
and crop size from the same pipeline), and only the model is timed: the input
is a random tensor already on the device (in the model's memory format), the clock is read after
``torch.cuda.synchronize()``, and no data is loaded or decoded. The timed call
is ``model(imgs, mode='predict')`` under ``torch.no_grad()``. The config's
``precision``, ``channels_last`` and ``compile`` apply as in ``tools/test.py``;
``--amp`` and ``--channels-last`` override them.
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmaction.engine.cli import add_amp_argument

    parser = argparse.ArgumentParser(description='Benchmark the inference speed of a recognizer')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--checkpoint', default=None, help='checkpoint to load (optional)')
    parser.add_argument('--num-iters', type=int, default=50, help='timed videos')
    parser.add_argument('--warmup', type=int, default=5, help='untimed videos run first')
    parser.add_argument(
        '--device', default=None, help='cpu or cuda[:N] (default: cuda when available)'
    )
    add_amp_argument(parser)
    parser.add_argument(
        '--channels-last', action='store_true', help='channels-last convolutions and input'
    )
    parser.add_argument(
        '--fuse-conv-bn', action='store_true', help='fold BatchNorm into the convolutions first'
    )
    parser.add_argument('--log-interval', type=int, default=10, help='print every N videos')
    args = parser.parse_args(argv)
    if args.num_iters < 1 or args.warmup < 0:
        parser.error('--num-iters must be >= 1 and --warmup >= 0')
    return args


def main(argv: Optional[List[str]] = None) -> dict:
    """Print and return ``input_shape``, ``num_views``, ``videos_per_s``, ``s_per_video``."""
    args = parse_args(argv)
    from mmaction.analysis.inference_benchmark import InferenceBenchOptions, benchmark_inference
    from mmaction.engine import cli_guard, load_config

    options = InferenceBenchOptions(
        checkpoint=args.checkpoint,
        num_iters=args.num_iters,
        warmup=args.warmup,
        device=args.device,
        amp=args.amp,
        channels_last=args.channels_last,
        fuse_conv_bn=args.fuse_conv_bn,
        log_interval=args.log_interval,
    )
    with cli_guard():
        return benchmark_inference(load_config(args.config), options)


if __name__ == '__main__':
    main(sys.argv[1:])
