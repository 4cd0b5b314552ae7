"""Test (and evaluate) a recognizer checkpoint with a MMAction2 config (0.x or 1.x)."""

import argparse
import os
import sys
import warnings

# A non-string default: argparse would run a string default through `type`.
_UNSET = object()


def _average_clips(value: str):
    if value in ('score', 'prob'):
        return value
    if value == 'None':
        return None
    raise argparse.ArgumentTypeError(
        f"invalid choice {value!r} (choose from 'score', 'prob', 'None')"
    )


class _LeftOut(argparse.Action):
    """MMAction2 1.x's drawing options: not part of this toolkit, one line says where to go."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        sys.exit(
            f'error: {option_string} (drawing predictions during testing) is not part of this '
            'toolkit: run demo/demo.py CONFIG CHECKPOINT VIDEO LABEL_MAP --out-filename OUT.mp4'
        )


def parse_args(argv=None) -> argparse.Namespace:
    """Command lines of MMAction2 0.x's and 1.x's ``tools/test.py``."""
    from mmengine.config import DictAction

    from mmaction.engine.cli import add_amp_argument, add_cfg_options, add_eval_options

    parser = argparse.ArgumentParser(description='Test (and evaluate) a recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file (an exported .onnx file with --onnx)')
    _add_backend_arguments(parser)
    parser.add_argument(
        '--work-dir', help='where the log goes (default: work_dir of the config or ./work_dirs)'
    )
    parser.add_argument(
        '--out', default=None, help='per-video scores, 0.x format (.json, .pkl, .yaml)'
    )
    parser.add_argument(
        '--dump', default=None, help='per-video predictions, MMAction2 1.x format (.pkl)'
    )
    for flag, nargs in (('--show', 0), ('--show-dir', 1), ('--interval', 1), ('--wait-time', 1)):
        parser.add_argument(flag, nargs=nargs, action=_LeftOut, help=argparse.SUPPRESS)
    parser.add_argument(
        '--fuse-conv-bn', action='store_true', help='fold BatchNorm into the convolutions'
    )
    add_amp_argument(parser)
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='channels-last convolutions and input (the config key `channels_last`)',
    )
    parser.add_argument(
        '--eval',
        type=str,
        nargs='+',
        help='metrics: top_k_accuracy, mean_class_accuracy, mean_average_precision',
    )
    parser.add_argument('--gpu-collect', action='store_true', help='(compatibility; ignored)')
    parser.add_argument('--tmpdir', help='(compatibility; ignored)')
    parser.add_argument(
        '--options', nargs='+', action=DictAction, default={}, help='deprecated: --eval-options'
    )
    add_eval_options(parser)
    add_cfg_options(parser)
    parser.add_argument(
        '--average-clips',
        type=_average_clips,
        default=_UNSET,
        help="how to average the views of a video: 'score', 'prob' or 'None'",
    )
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher',
    )
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='also show the environment, the config, the hooks and every log line on the '
        'console (they always go to the log file)',
    )
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.options and args.eval_options:
        parser.error('--options and --eval-options cannot both be given')
    if args.options:
        warnings.warn('--options is deprecated in favor of --eval-options', stacklevel=1)
        args.eval_options = args.options
    if args.out:
        from mmaction.engine.runtime.video_score_dumper import check_output_path

        try:
            check_output_path(args.out)
        except ValueError as err:
            parser.error(str(err))
    if args.dump and not args.dump.endswith(('.pkl', '.pickle')):
        parser.error(f'--dump {args.dump!r}: the file must end with .pkl or .pickle')
    _check_backend_args(parser, args)
    return args


def _add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    from mmaction.apis.backends import BACKENDS

    parser.add_argument(
        '--backend',
        choices=BACKENDS,
        default='pytorch',
        help='onnxruntime: the checkpoint exported to ONNX once (cached) and run by ONNX Runtime '
        'on the CPU',
    )
    parser.add_argument(
        '--onnx',
        action='store_true',
        help='(0.x) CHECKPOINT is an .onnx export (tools/deployment/pytorch2onnx.py): test it '
        'with ONNX Runtime',
    )


def _check_backend_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.onnx:
        if not args.checkpoint.endswith('.onnx'):
            parser.error(
                f'--onnx takes an exported .onnx file in place of the checkpoint, got '
                f'{args.checkpoint}: export it with tools/deployment/pytorch2onnx.py, or use '
                '--backend onnxruntime, which exports the checkpoint itself'
            )
        args.backend = 'onnxruntime'
    if args.backend == 'onnxruntime':
        for flag, value in (('--amp', args.amp), ('--channels-last', args.channels_last)):
            if value:
                parser.error(f'{flag} is for PyTorch: ONNX Runtime runs the export in float32')


def main(argv=None) -> None:
    """Parse the command line, load the config and test the checkpoint."""
    args = parse_args(argv)
    from mmaction.apis import test_model
    from mmaction.engine import TestOptions, cli_guard, load_config

    options = TestOptions(
        work_dir=args.work_dir,
        launcher=args.launcher,
        verbose=args.verbose,
        metrics=args.eval,
        eval_options=args.eval_options,
        out=args.out,
        dump=args.dump,
        fuse_conv_bn=args.fuse_conv_bn,
        amp=args.amp,
        channels_last=args.channels_last,
    )
    if args.average_clips is not _UNSET:
        options.average_clips = args.average_clips
    with cli_guard():
        cfg = load_config(args.config, args.cfg_options)
        test_model(cfg, args.checkpoint, args.config, options, args.backend)


if __name__ == '__main__':
    sys.exit(main())
