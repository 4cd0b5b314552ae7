"""Prepare a checkpoint for publishing: weights and meta only, SHA-256 in the name.

Example::

    python tools/publish_model.py work_dirs/tpn_slowonly_r18_synthetic_rgb/epoch_8.pth \
        tpn_slowonly_r18_synthetic_rgb.pth
    # -> tpn_slowonly_r18_synthetic_rgb-<first 8 hex digits of its SHA-256>.pth

The optimizer state and the training-loop state (message hub, parameter
schedulers, random state) are left out; the file loads with a plain
``torch.load(path, weights_only=True)``.
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Prepare a checkpoint for publishing')
    parser.add_argument('in_file', help='input checkpoint')
    parser.add_argument('out_file', help='output name; the hash is added before .pth')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None):
    """Publish the checkpoint; return what was written."""
    args = parse_args(argv)
    from mmaction.analysis.checkpoint_publisher import publish_checkpoint
    from mmaction.engine import cli_guard

    with cli_guard():
        published = publish_checkpoint(args.in_file, args.out_file)
    print(f'published {args.in_file} as {published.path}')
    print(f'  {published.size / 1e6:.1f} MB, sha256 {published.sha256}')
    if published.dropped:
        print(f'  left out: {", ".join(published.dropped)}')
    return published


if __name__ == '__main__':
    main(sys.argv[1:])
