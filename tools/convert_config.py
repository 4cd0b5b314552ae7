"""Rewrite a config into the other MMAction2 dialect (0.x <-> 1.x), for the same run.

Examples::

    python tools/convert_config.py configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \\
        synthetic_1x.py
    python tools/convert_config.py configs/1.x/recognition/tpn/\\
tpn-tsm_imagenet-pretrained-r50_8xb8-1x1x8-150e_sthv1-rgb.py tsm_0x.py --to 0.x

The written config builds the same model, gives the same learning rate at
every iteration, the same samples for a seed, places test clips and
computes the metrics as the source does; what the target dialect cannot
hold is refused in one line naming the key, or (when it changes no number)
listed in the file's header.
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """``config OUT [--to 0.x|1.x] [--cfg-options ...]``."""
    from mmaction.engine.cli import add_cfg_options

    parser = argparse.ArgumentParser(description='Rewrite a config into the other dialect')
    parser.add_argument('config', help='the config file to convert')
    parser.add_argument('out', help='the config file to write')
    parser.add_argument(
        '--to',
        choices=['0.x', '1.x'],
        default=None,
        help="the dialect to write (default: the other one than the config's)",
    )
    add_cfg_options(parser)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> str:
    """Convert, print and return ``wrote OUT (MMAction2 <target>, from <source>)``."""
    args = parse_args(argv)
    from mmaction.engine import cli_guard
    from mmaction.engine.config.writer import convert_config_file

    with cli_guard():
        target, source = convert_config_file(args.config, args.out, args.to, args.cfg_options)
    line = f'wrote {args.out} (MMAction2 {target}, from {source})'
    print(line)
    return line


if __name__ == '__main__':
    main(sys.argv[1:])
