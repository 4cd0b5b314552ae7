"""The command-line arguments the demos (``demo/*.py``) share."""

import argparse


def demo_parser(description: str) -> argparse.ArgumentParser:
    """A parser with ``CONFIG CHECKPOINT VIDEO [LABEL_MAP]`` and the shared options.

    Without ``LABEL_MAP`` the classes are named by the config's ``label_file``
    (else by index).

    Options: ``--device``, ``--top-k``, ``--fps``, ``--font-scale`` and
    ``--cfg-options``; each demo adds its own.
    """
    from mmengine.config import DictAction

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('video', help='video file or folder of extracted frames')
    parser.add_argument(
        'label',
        nargs='?',
        help="label map: one class name per line (default: the config's label_file, if any)",
    )
    parser.add_argument('--device', default='cuda:0', help='cuda:0 (the CPU without CUDA), cpu')
    parser.add_argument('--top-k', type=int, default=5, help='how many classes to show')
    parser.add_argument(
        '--fps', type=float, help="output frame rate (default: the video's; 30 for frames)"
    )
    parser.add_argument('--font-scale', type=float, default=0.5, help='size of the label text')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={}, help='override config keys'
    )
    return parser


def check_positive(parser: argparse.ArgumentParser, args: argparse.Namespace, *names: str) -> None:
    """Stop with a usage error when one of the integer options ``names`` is below 1."""
    for name in names:
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f'--{name.replace("_", "-")} must be at least 1')
