"""Generate the synthetic motion data set (videos, raw frames and annotation lists).

Example:
    python tools/data/synthetic/generate.py --out data/synthetic

``--layout folders`` writes the videos the way users keep their own, one
folder per class (``OUT/<class>/<video>.mp4``, ``--num-train-per-class`` +
``--num-val-per-class`` videos each, none of them a quickstart video), for
``tools/data/folders_to_lists.py``::

    python tools/data/synthetic/generate.py --out data/my_videos --layout folders

See ``mmaction/utils/synthetic_data.py`` for the classes and the exact layout.
"""

import argparse
import sys
import time
from typing import List, Optional

from mmaction.utils.synthetic_data import CLASS_NAMES, generate_dataset
from mmaction.utils.synthetic_folders import generate_class_folders


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Generate the synthetic motion data set')
    parser.add_argument('--out', default='data/synthetic', help='output root folder')
    parser.add_argument('--num-train-per-class', type=int, default=128)
    parser.add_argument('--num-val-per-class', type=int, default=16)
    parser.add_argument('--width', type=int, default=64, help='frame width in pixels')
    parser.add_argument('--height', type=int, default=64, help='frame height in pixels')
    parser.add_argument('--frames', type=int, default=32, help='frames per video')
    parser.add_argument('--fps', type=float, default=16.0, help='frame rate of the videos')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--workers', type=int, default=None, help='worker processes (default: min(2, cpus))'
    )
    parser.add_argument('--force', action='store_true', help='regenerate videos that exist already')
    parser.add_argument(
        '--layout',
        choices=['kinetics', 'folders'],
        default='kinetics',
        help='kinetics: videos/, rawframes/ and lists (default); folders: only the videos, one '
        'folder per class',
    )
    return parser.parse_args(argv)


def _render_options(args: argparse.Namespace) -> dict:
    """The options both layouts take, from the command line."""
    keys = ('width', 'height', 'frames', 'fps', 'seed', 'workers', 'force')
    return {key: getattr(args, key) for key in keys}


def _class_folders(args: argparse.Namespace) -> str:
    """Write the folder layout; the line to print."""
    summary = generate_class_folders(
        args.out, args.num_train_per_class + args.num_val_per_class, **_render_options(args)
    )
    return (
        f'{len(CLASS_NAMES)} class folders, {summary["videos"]} videos in {args.out} '
        f'({summary["generated"]} generated, {summary["skipped"]} already there)'
    )


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    start = time.time()
    if args.layout == 'folders':
        print(f'{_class_folders(args)} in {time.time() - start:.1f}s')
        return 0
    summary = generate_dataset(
        out_dir=args.out,
        num_train_per_class=args.num_train_per_class,
        num_val_per_class=args.num_val_per_class,
        **_render_options(args),
    )
    print(
        f'{len(CLASS_NAMES)} classes, {summary["train"]} train + {summary["val"]} val videos '
        f'in {args.out} ({summary["generated"]} generated, {summary["skipped"]} already there) '
        f'in {time.time() - start:.1f}s'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
