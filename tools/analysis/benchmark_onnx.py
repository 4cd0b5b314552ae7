"""CPU inference speed: PyTorch eager, ``--fuse-conv-bn`` and ONNX Runtime, side by side, in videos/s.

Example (the README's table; about 5 minutes on 2 cores)::

    python tools/analysis/benchmark_onnx.py \\
        configs/recognition/tpn/tpn_slowonly_r50_8x8x1_150e_kinetics_rgb.py \\
        configs/recognition/tpn/tpn_tsm_r50_1x1x8_150e_sthv1_rgb.py --rounds 2 --warmup 0

For each config the recognizer (random weights unless ``--checkpoint``) runs
one video with all the views of its test pipeline (or ``--shape``) three
ways: PyTorch eager, PyTorch with BatchNorm folded into the convolutions,
and ONNX Runtime with the export and session options of the ``onnxruntime``
backend. They take turns, ``--rounds`` timed calls each after ``--warmup``
untimed ones, with the same number of threads; the medians are reported,
then a markdown table of all configs. Only the model is timed: the input is
a random tensor, no data is decoded. Needs the ``deploy`` extra:
``pip install -e ".[deploy]"``.
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='PyTorch eager, --fuse-conv-bn and ONNX Runtime on the CPU, side by side'
    )
    parser.add_argument('configs', nargs='+', metavar='config', help='config file path(s)')
    parser.add_argument('--checkpoint', default=None, help='checkpoint to load (one config)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=None,
        help='input batch (one config): N V C T H W (3D) or N V*T C H W (2D); '
        'default: one test video',
    )
    parser.add_argument('--rounds', type=int, default=3, help='timed runs of each, in turns')
    parser.add_argument('--warmup', type=int, default=1, help='untimed runs of each first')
    parser.add_argument(
        '--threads', type=int, default=None, help='intra-op threads (default: the usable cores)'
    )
    parser.add_argument(
        '--static',
        action='store_true',
        help="export a fixed input shape instead of the backend's dynamic batch and views",
    )
    parser.add_argument(
        '--onnx-file', default=None, help='keep the export here (one config; default: a temp dir)'
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.warmup < 0:
        parser.error('--rounds must be >= 1 and --warmup >= 0')
    single = [flag for flag in ('checkpoint', 'shape', 'onnx_file') if getattr(args, flag)]
    if single and len(args.configs) > 1:
        parser.error(
            f'--{single[0].replace("_", "-")} is for one config; {len(args.configs)} given'
        )
    return args


def main(argv: Optional[List[str]] = None):
    """Print the timings of each config and the table; return the ``SpeedComparison`` list."""
    args = parse_args(argv)
    import torch

    from mmaction.deploy.onnx_benchmark import benchmark_backends, markdown_table
    from mmaction.deploy.onnx_runtime import import_deploy_package
    from mmaction.engine import cli_guard, load_config

    results = []
    with cli_guard():
        ort = import_deploy_package('onnxruntime', 'The ONNX Runtime benchmark')
        for config in args.configs:
            result = benchmark_backends(
                load_config(config), args.checkpoint, args.shape, args.rounds, args.warmup,
                args.threads, config, args.onnx_file, args.static,
            )  # fmt: skip
            results.append(result)
            print(f'{result.model}, input {result.input_shape}, {result.threads} threads:')
            for way, seconds in result.seconds.items():
                times = ', '.join(f'{s:.3f}' for s in seconds)
                diff = result.max_abs_diff.get(way)
                check = f'; differs from eager by {diff:.2g}' if diff is not None else ''
                print(
                    f'  {way:<24s} {result.videos_per_s(way):8.4f} videos/s '
                    f'(s per call: {times}){check}'
                )
    print(f'\ntorch {torch.__version__}, onnxruntime {ort.__version__}, videos/s (median):\n')
    print(markdown_table(results))
    return results


if __name__ == '__main__':
    main(sys.argv[1:])
