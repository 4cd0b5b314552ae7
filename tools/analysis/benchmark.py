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
is ``model(imgs, mode='predict')`` under ``torch.no_grad()``.
"""

import argparse
import sys
import time
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


def _synchronize(device) -> None:
    import torch

    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def main(argv: Optional[List[str]] = None) -> dict:
    """Print and return ``input_shape``, ``num_views``, ``videos_per_s``, ``s_per_video``."""
    args = parse_args(argv)

    import torch
    from mmengine.config import Config

    from mmaction.analysis.model_analysis import build_recognizer_from_config, read_test_input_spec
    from mmaction.engine.speed.plan import SpeedPlan
    from mmaction.engine.speed.precision import resolve_precision
    from mmaction.utils import load_checkpoint

    device = torch.device(args.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    cfg = Config.fromfile(args.config)
    if cfg.get('cudnn_benchmark', False):
        torch.backends.cudnn.benchmark = True
    spec = read_test_input_spec(cfg)
    model = build_recognizer_from_config(cfg)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu')
    if args.fuse_conv_bn:
        from mmaction.engine.speed.fuse_conv_bn import fuse_conv_bn

        model = fuse_conv_bn(model)
    model = model.to(device).eval()
    plan = SpeedPlan(resolve_precision(amp=args.amp, device_type=device.type), args.channels_last)
    for note in plan.precision.notes:
        print(note)
    plan.apply_memory_format(model)
    model.data_preprocessor.channels_last = args.channels_last

    input_shape = spec.batch_shape(1)
    imgs = model.data_preprocessor(dict(imgs=torch.randn(input_shape, device=device)))['imgs']
    print(
        f'{type(model).__name__}: {spec.num_views} views per video '
        f'({spec.num_clips} clips x {spec.num_crops} crops, {spec.frames_per_view} frames each, '
        f'{spec.height}x{spec.width}), input {tuple(input_shape)}, device {device}, '
        f'{plan.describe()}'
    )

    elapsed_total = 0.0
    with torch.no_grad(), plan.precision.autocast():
        for i in range(args.warmup + args.num_iters):
            _synchronize(device)
            start = time.perf_counter()
            model(imgs, mode='predict')
            _synchronize(device)
            elapsed = time.perf_counter() - start
            if i < args.warmup:
                continue
            elapsed_total += elapsed
            done = i + 1 - args.warmup
            if done % args.log_interval == 0 and done < args.num_iters:
                print(
                    f'Done video [{done:>4}/{args.num_iters}], {done / elapsed_total:.2f} video/s'
                )

    videos_per_s = args.num_iters / elapsed_total
    print(
        f'Overall: {videos_per_s:.3f} video/s ({elapsed_total / args.num_iters:.3f} s per video '
        f'of {spec.num_views} views, batch size 1, {args.num_iters} timed after '
        f'{args.warmup} warm-up)'
    )
    return dict(
        input_shape=tuple(input_shape),
        num_views=spec.num_views,
        videos_per_s=videos_per_s,
        s_per_video=elapsed_total / args.num_iters,
    )


if __name__ == '__main__':
    main(sys.argv[1:])
