"""Write a short fine-tuning config for the lists of tools/data/folders_to_lists.py.

Example::

    python tools/new_config.py --base configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \\
        --lists data/my_lists --out configs/my_data.py \\
        --pretrained work_dirs/tpn_slowonly_r18_synthetic_rgb/epoch_6.pth

The config inherits ``--base`` and sets only what changes (data, number of
classes, ``load_from``, a fine-tuning schedule, the label map), each line
commented, with the usual fine-tuning options as commented-out lines. Then::

    python tools/train.py configs/my_data.py --validate
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Write a fine-tuning config for your own lists')
    parser.add_argument('--base', required=True, help='the config to start from')
    parser.add_argument(
        '--lists', required=True, help='the OUT_DIR of tools/data/folders_to_lists.py'
    )
    parser.add_argument('--out', required=True, help='the config file to write')
    parser.add_argument(
        '--pretrained', help='checkpoint file or model-zoo URL to fine-tune from (load_from)'
    )
    parser.add_argument(
        '--epochs', type=int, help="epochs to train (default: half the base's, at most 10)"
    )
    parser.add_argument(
        '--dialect', choices=['0.x', '1.x'], help="MMAction2 dialect (default: the base's)"
    )
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Write the config; print what it does and the next command."""
    args = parse_args(argv)
    from mmaction.engine import cli_guard
    from mmaction.engine.fine_tune_config import FineTuneOptions, write_fine_tune_config

    options = FineTuneOptions(
        base=args.base,
        lists=args.lists,
        out=args.out,
        pretrained=args.pretrained,
        epochs=args.epochs,
        dialect=args.dialect,
    )
    with cli_guard():
        done = write_fine_tune_config(options)
    start = f'from {args.pretrained}' if args.pretrained else 'from scratch (no --pretrained)'
    print(
        f'wrote {done["out"]} ({done["dialect"]}): {done["classes"]} classes, '
        f'{done["train"]} training and {done["val"]} validation videos, {done["epochs"]} epoch{"s" if done["epochs"] > 1 else ""} '
        f'at lr {done["lr"]:g}, {start}'
    )
    print(f'next: python tools/train.py {done["out"]} --validate')
    return 0


if __name__ == '__main__':
    sys.exit(main())
