"""Export a recognizer checkpoint to ONNX (MMAction2 0.x ``tools/deployment/pytorch2onnx.py``).

Example::

    python tools/deployment/pytorch2onnx.py \\
        configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \\
        work_dirs/tpn_slowonly_r18_synthetic_rgb/epoch_8.pth \\
        --output-file tpn_slowonly_r18_synthetic.onnx --verify --dynamic-export

The graph takes the preprocessed float32 batch (frames after the test
pipeline's ``Normalize`` and ``FormatShape``) and returns one score row per
video, the views combined as the config's ``test_cfg['average_clips']`` says.
Needs the ``deploy`` extra: ``pip install -e ".[deploy]"``.
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line of MMAction2 0.x ``pytorch2onnx.py`` (recognizers)."""
    from mmaction.deploy.onnx_export import MIN_OPSET
    from mmaction.deploy.onnx_runtime import VERIFY_ATOL
    from mmaction.engine.cli import add_cfg_options

    parser = argparse.ArgumentParser(
        description='Export a recognizer to ONNX. The ONNX input is the preprocessed '
        '(normalized) float32 batch, as the test pipeline gives it; the output is one '
        "score row per video, views combined as test_cfg['average_clips'] says."
    )
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file (must fit the config)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=None,
        help='input batch: N V C T H W for 3D models, N V*T C H W for 2D models '
        '(default: one video as the test pipeline makes it)',
    )
    parser.add_argument('--output-file', default='tmp.onnx', help='ONNX file to write')
    parser.add_argument(
        '--opset',
        '--opset-version',
        dest='opset',
        type=int,
        default=MIN_OPSET,
        help=f'ONNX opset version (at least {MIN_OPSET})',
    )
    parser.add_argument(
        '--verify',
        action='store_true',
        help='run the file with ONNX Runtime on the same input; fail when a probability '
        f'differs from PyTorch by more than {VERIFY_ATOL:g}',
    )
    parser.add_argument(
        '--dynamic-export', action='store_true', help='make the batch axis N dynamic'
    )
    add_cfg_options(parser, example='model.test_cfg.average_clips=score')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None):
    """Export; print the file, shapes and (``--verify``) the difference to PyTorch."""
    args = parse_args(argv)
    from mmaction.deploy.onnx_export import ExportOptions, export_recognizer
    from mmaction.deploy.onnx_runtime import VERIFY_ATOL, OnnxMismatchError
    from mmaction.engine import cli_guard, load_config

    options = ExportOptions(
        output_file=args.output_file,
        shape=args.shape,
        opset=args.opset,
        dynamic_export=args.dynamic_export,
        verify=args.verify,
    )
    with cli_guard():
        cfg = load_config(args.config, args.cfg_options)
        try:
            result = export_recognizer(cfg, args.checkpoint, options, args.config)
        except OnnxMismatchError as err:
            sys.exit(f'error: {err}')
    batch = 'dynamic batch' if args.dynamic_export else 'static shape'
    print(
        f'Exported {args.config} to {result.output_file} (opset {args.opset}, {batch}) in '
        f'{result.seconds:.1f} s: input {result.input_shape} -> output {result.output_shape}'
    )
    if result.max_abs_diff is not None:
        print(
            f'Verified with ONNX Runtime: probabilities match PyTorch within '
            f'{result.max_abs_diff:.2g} (tolerance {VERIFY_ATOL:g})'
        )
    return result


if __name__ == '__main__':
    main(sys.argv[1:])
