"""CPU inference speed of a recognizer: ONNX Runtime against PyTorch eager, in videos/s.

Example::

    python tools/analysis/benchmark_onnx.py \\
        configs/recognition/tpn/tpn_slowonly_r50_8x8x1_150e_kinetics_rgb.py --rounds 3

The recognizer (random weights unless ``--checkpoint``) is exported to ONNX
with its test-time view averaging (as ``tools/deployment/pytorch2onnx.py``
does), then one video with all the test pipeline's views (or ``--shape``)
is run through PyTorch eager and through ONNX Runtime (all graph
optimizations, the same number of intra-op threads), in turns, ``--rounds``
times each after ``--warmup`` untimed runs. The medians are reported. Only
the model is timed: the input is a random tensor, no data is decoded.
Needs the ``deploy`` extra: ``pip install -e ".[deploy]"``.
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='ONNX Runtime vs PyTorch eager on the CPU')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--checkpoint', default=None, help='checkpoint to load (optional)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=None,
        help='input batch: N V C T H W (3D) or N V*T C H W (2D); default: one test video',
    )
    parser.add_argument('--rounds', type=int, default=3, help='timed runs of each, in turns')
    parser.add_argument('--warmup', type=int, default=1, help='untimed runs of each first')
    parser.add_argument(
        '--threads', type=int, default=None, help="intra-op threads of both (default: torch's)"
    )
    parser.add_argument(
        '--onnx-file', default=None, help='keep the exported model here (default: a temp dir)'
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.warmup < 0:
        parser.error('--rounds must be >= 1 and --warmup >= 0')
    return args


def main(argv: Optional[List[str]] = None):
    """Print and return the :class:`~mmaction.deploy.onnx_benchmark.SpeedComparison`."""
    args = parse_args(argv)
    import torch

    from mmaction.deploy.onnx_benchmark import benchmark_onnx
    from mmaction.deploy.onnx_runtime import import_deploy_package
    from mmaction.engine import cli_guard, load_config

    with cli_guard():
        ort = import_deploy_package('onnxruntime', 'The ONNX Runtime benchmark')
        result, model_name = benchmark_onnx(
            load_config(args.config),
            args.checkpoint,
            args.shape,
            args.onnx_file,
            args.rounds,
            args.warmup,
            args.threads,
            args.config,
        )
    print(
        f'{model_name}, input {result.input_shape}, {result.threads} threads; '
        f'torch {torch.__version__}, onnxruntime {ort.__version__}'
    )
    for name, seconds, speed in (
        ('PyTorch eager', result.torch_seconds, result.torch_videos_per_s),
        ('ONNX Runtime', result.ort_seconds, result.ort_videos_per_s),
    ):
        times = ', '.join(f'{s:.3f}' for s in seconds)
        print(f'{name:<14s} {speed:8.4f} videos/s (s per call: {times})')
    print(
        f'ONNX Runtime / PyTorch: {result.speedup:.2f}x; outputs differ by at most '
        f'{result.max_abs_diff:.2g} in probability'
    )
    return result


if __name__ == '__main__':
    main(sys.argv[1:])
