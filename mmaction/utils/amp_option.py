"""The ``--amp [bf16|fp16]`` option shared by the tools (no torch import: ``--help`` stays fast)."""

import argparse

#: Values ``--amp`` takes; alone it means the device's usual mixed precision.
AMP_CHOICES = ('bf16', 'fp16')


def add_amp_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--amp [bf16|fp16]``: False when absent, True alone, else the dtype name."""
    parser.add_argument(
        '--amp',
        nargs='?',
        const=True,
        default=False,
        choices=AMP_CHOICES,
        help='mixed precision: bf16 (autocast) or fp16 (autocast; loss scaling in training); '
        'alone: fp16 on CUDA, bf16 on the CPU. Overrides the config key `precision`',
    )
