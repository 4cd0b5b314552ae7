"""The command-line arguments the demos (``demo/*.py``) share.

A demo builds its parser with :func:`demo_parser` (or adds
:func:`add_model_options` to its own) and its recognizer with
:func:`recognizer_from_args`, so ``--device``, ``--backend`` and
``--cfg-options`` mean the same in every demo.
"""

import argparse

from torch import nn

from .backends import BACKENDS, ONNXRUNTIME, PYTORCH

#: ``--device`` when none is given, per backend (ONNX Runtime runs on the CPU).
DEFAULT_DEVICES = {PYTORCH: 'cuda:0', ONNXRUNTIME: 'cpu'}


def add_backend_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--backend pytorch|onnxruntime`` to a demo's parser."""
    parser.add_argument(
        '--backend',
        choices=BACKENDS,
        default=PYTORCH,
        help='pytorch, or onnxruntime: the checkpoint exported to ONNX once (cached) and run '
        'by ONNX Runtime on the CPU',
    )


def demo_parser(description: str) -> argparse.ArgumentParser:
    """A parser with ``CONFIG CHECKPOINT VIDEO [LABEL_MAP]`` and the shared options.

    Without ``LABEL_MAP`` the classes are named by the config's ``label_file``
    (else by index).

    Options: ``--device``, ``--backend``, ``--top-k``, ``--fps``,
    ``--font-scale`` and ``--cfg-options``; each demo adds its own.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('video', help='video file or folder of extracted frames')
    parser.add_argument(
        'label',
        nargs='?',
        help="label map: one class name per line (default: the config's label_file, if any)",
    )
    parser.add_argument('--top-k', type=int, default=5, help='how many classes to show')
    parser.add_argument(
        '--fps', type=float, help="output frame rate (default: the video's; 30 for frames)"
    )
    parser.add_argument('--font-scale', type=float, default=0.5, help='size of the label text')
    add_model_options(parser, backend=True)
    return parser


def add_model_options(parser: argparse.ArgumentParser, backend: bool = False) -> None:
    """Add the options that build the model: ``--device``, ``--cfg-options``, and
    ``--backend`` where the demo needs scores only (not gradients or features).

    The model is then built by :func:`recognizer_from_args`.
    """
    from mmengine.config import DictAction

    parser.add_argument(
        '--device',
        default=None,
        help='cuda:0 (the CPU without CUDA), cpu; default: cuda:0'
        + (', cpu with --backend onnxruntime' if backend else ''),
    )
    if backend:
        add_backend_argument(parser)
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={}, help='override config keys'
    )


def recognizer_from_args(args: argparse.Namespace) -> nn.Module:
    """``init_recognizer`` with a demo's ``config``, ``checkpoint``, ``device``, ``backend``
    and ``cfg_options`` (``--device`` defaults by backend: :data:`DEFAULT_DEVICES`)."""
    from .inference import init_recognizer

    backend = getattr(args, 'backend', PYTORCH)
    device = getattr(args, 'device', None) or DEFAULT_DEVICES[backend]
    cfg_options = getattr(args, 'cfg_options', None)
    return init_recognizer(args.config, args.checkpoint, device, cfg_options, backend=backend)


def check_positive(parser: argparse.ArgumentParser, args: argparse.Namespace, *names: str) -> None:
    """Stop with a usage error when one of the integer options ``names`` is below 1."""
    for name in names:
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f'--{name.replace("_", "-")} must be at least 1')
