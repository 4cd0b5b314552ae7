"""Build annotation lists (the ``ann_file`` of a dataset config) from data folders.

Output lines are what ``VideoDataset`` (``<path> <label>``) and
``RawframeDataset`` (``<frame_dir> <total_frames> <label>``) read, paths
relative to the folder that is the config's ``data_prefix``.

Kinetics (``SRC/<class>/<video>.mp4`` or frame folders ``SRC/<class>/<video>/``)::

    python tools/data/build_file_list.py kinetics400 data/kinetics400/rawframes_train \
        --level 2 --format rawframes --subset train --shuffle

  Labels are the index of the class folder name among the sorted class
  folders, or its line number in ``--class-file`` (one class name per line).
  With ``--ann-file kinetics_train.csv`` (official csv: ``label,youtube_id,
  time_start,time_end,...``) only the listed videos are written.

Something-Something V1 (frame folders named by id, ``SRC/<id>/00001.jpg``)::

    python tools/data/build_file_list.py sthv1 data/sthv1/rawframes --level 1 \
        --format rawframes --subset val --rgb-prefix ''

  Videos and labels come from ``something-something-v1-{train,validation}.csv``
  (``id;label text``) and ``something-something-v1-labels.csv`` (one label
  text per line, line number = label), by default in
  ``<SRC>/../annotations/``.

The list goes to ``OUT_ROOT_PATH/<dataset>/<dataset>_<subset>_list_<format>.txt``
unless ``--out-file`` is given.
"""

import argparse
import os.path as osp
import sys
from typing import List, Optional

from mmaction.datasets.file_list import (
    KINETICS,
    FileListOptions,
    build_file_list,
    write_file_list,
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Build an annotation file list')
    parser.add_argument('dataset', choices=[*KINETICS, 'sthv1'], help='data set layout')
    parser.add_argument('src_folder', help='folder holding the videos or frame folders')
    parser.add_argument('--format', default='rawframes', choices=['rawframes', 'videos'])
    parser.add_argument('--subset', default='train', choices=['train', 'val'])
    parser.add_argument('--level', type=int, default=2, choices=[1, 2], help='folder depth')
    parser.add_argument(
        '--rgb-prefix', default='img_', help="frame file name prefix ('' for sthv1 00001.jpg)"
    )
    parser.add_argument(
        '--ann-file', default=None, help='split annotations (Kinetics or sthv1 csv)'
    )
    parser.add_argument(
        '--class-file',
        default=None,
        help='class names, one per line (Kinetics) or something-something-v1-labels.csv',
    )
    parser.add_argument('--out-root-path', default='data/', help='root of the output list')
    parser.add_argument('--out-file', default=None, help='exact output path (overrides root)')
    parser.add_argument('--output-format', default='txt', choices=['txt', 'json'])
    parser.add_argument(
        '--num-split', type=int, default=1, choices=[1], help='only one split is supported'
    )
    parser.add_argument('--shuffle', action='store_true', help='shuffle the lines')
    parser.add_argument('--seed', type=int, default=None, help='seed for --shuffle')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    options = FileListOptions(
        dataset=args.dataset,
        src_folder=args.src_folder,
        format=args.format,
        subset=args.subset,
        level=args.level,
        rgb_prefix=args.rgb_prefix,
        ann_file=args.ann_file,
        class_file=args.class_file,
        shuffle=args.shuffle,
        seed=args.seed,
    )
    try:
        records = build_file_list(options)
    except (FileNotFoundError, ValueError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    out_file = args.out_file or osp.join(
        args.out_root_path,
        args.dataset,
        f'{args.dataset}_{args.subset}_list_{args.format}.{args.output_format}',
    )
    write_file_list(records, out_file, args.output_format)
    print(f'{len(records)} {args.format} written to {out_file}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
