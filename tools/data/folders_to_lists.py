"""Train and validation lists and a label map from videos sorted into one folder per class.

Example::

    python tools/data/folders_to_lists.py data/my_videos data/my_lists

VIDEOS_ROOT holds one folder per class, named after the class (any name:
spaces and non-ASCII letters are kept), with the videos inside (.mp4, .mov,
.mkv, .webm, .avi, ...; sub-folders are searched too)::

    data/my_videos/
        waving/clip1.mp4, clip2.mov, ...
        clapping/...

OUT_DIR gets ``label_map.txt`` (the class names, sorted), ``train_list.txt``
and ``val_list.txt`` (``--val-fraction`` of every class, or the videos of
``--val-root``), ``summary.txt`` (the table printed), ``skipped.txt`` (files
that are not videos or do not decode, and why), ``duplicates.txt`` (identical
files) and ``lists.json`` (for tools/new_config.py). Next step::

    python tools/new_config.py --base CONFIG --lists data/my_lists --out configs/my_data.py
"""

import argparse
import os
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Annotation lists and a label map from one folder of videos per class'
    )
    parser.add_argument('videos_root', help='folder with one sub-folder of videos per class')
    parser.add_argument('out_dir', help='where the lists, label map and summary go')
    val = parser.add_mutually_exclusive_group()
    val.add_argument(
        '--val-fraction', type=float, default=0.2, help='share of each class validated on'
    )
    val.add_argument('--val-root', help='a folder of the same layout with the validation videos')
    parser.add_argument('--seed', type=int, default=0, help='seed of the split')
    parser.add_argument(
        '--rawframes', action='store_true', help='list folders of frames (img_00001.jpg, ...)'
    )
    parser.add_argument(
        '--min-per-class', type=int, default=5, help='warn about classes with fewer videos'
    )
    parser.add_argument(
        '--workers',
        type=int,
        default=min(4, os.cpu_count() or 1),
        help='processes that check the videos decode',
    )
    args = parser.parse_args(argv)
    if not 0 <= args.val_fraction < 1:
        parser.error(f'--val-fraction must be in [0, 1), got {args.val_fraction}')
    if args.workers < 1:
        parser.error('--workers must be at least 1')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    """Scan, split, write; print the summary, the skipped count and the warnings."""
    args = parse_args(argv)
    from mmaction.datasets.folder_lists import (
        FolderListOptions,
        build_folder_lists,
        duplicate_notes,
        summary_table,
        write_folder_lists,
    )
    from mmaction.engine import cli_guard

    options = FolderListOptions(
        videos_root=args.videos_root,
        val_fraction=args.val_fraction,
        val_root=args.val_root,
        seed=args.seed,
        rawframes=args.rawframes,
        min_per_class=args.min_per_class,
        workers=args.workers,
    )
    with cli_guard():
        lists = build_folder_lists(options)
        meta = write_folder_lists(lists, args.out_dir)
    split = 'the validation folder' if args.val_root else f'{args.val_fraction:.0%} of each class'
    print(f'{len(lists.classes)} classes; validation: {split}')
    print(summary_table(lists))
    if lists.skipped:
        print(f'{len(lists.skipped)} file(s) left out (not videos, or do not decode): '
              f'{os.path.join(args.out_dir, "skipped.txt")}')  # fmt: skip
    for line in duplicate_notes(lists) + lists.warnings:
        print(f'warning: {line}')
    written = ', '.join([meta['train']['list'], meta['val']['list'], meta['label_map']])
    print(f'wrote {written}, summary.txt and lists.json to {args.out_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
