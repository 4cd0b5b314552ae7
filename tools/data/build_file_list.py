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
import csv
import glob
import json
import os
import os.path as osp
import random
import sys
from typing import Dict, List, Optional, Tuple

KINETICS = ('kinetics400', 'kinetics600', 'kinetics700')
STH_SPLIT_NAMES = dict(train='train', val='validation')

# key (relative path without extension) -> (relative path, number of frames or -1)
ItemInfo = Dict[str, Tuple[str, int]]


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


def count_frames(frame_dir: str, prefix: str) -> int:
    """Count the (non-hidden) files in ``frame_dir`` whose names start with ``prefix``."""
    return sum(
        1 for name in os.listdir(frame_dir) if name.startswith(prefix) and not name.startswith('.')
    )


def scan_folder(src: str, level: int, fmt: str, rgb_prefix: str) -> ItemInfo:
    """Find the videos (files) or frame folders ``level`` folders deep under ``src``."""
    if not osp.isdir(src):
        raise FileNotFoundError(f'source folder {src} does not exist')
    items: ItemInfo = {}
    for path in sorted(glob.glob(osp.join(src, *(['*'] * level)))):
        rel = osp.relpath(path, src)
        if fmt == 'videos' and osp.isfile(path):
            items[osp.splitext(rel)[0]] = (rel, -1)
        elif fmt == 'rawframes' and osp.isdir(path):
            items[rel] = (rel, count_frames(path, rgb_prefix))
    return items


def read_lines(path: str, what: str) -> List[str]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path} does not exist')
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]


def _kinetics_csv_entries(ann_file: str, level: int) -> List[Tuple[str, str]]:
    """(key, class name) pairs from an official Kinetics csv."""
    entries = []
    with open(ann_file, newline='', encoding='utf-8') as f:
        rows = list(csv.reader(f))
    if rows and rows[0] and rows[0][0] == 'label':
        rows = rows[1:]
    for lineno, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) < 4:
            raise ValueError(f'{ann_file} line {lineno}: expected label,youtube_id,start,end')
        cls = row[0].replace('"', '').replace(' ', '_')
        name = f'{row[1]}_{int(float(row[2])):06d}_{int(float(row[3])):06d}'
        entries.append((f'{cls}/{name}' if level == 2 else name, cls))
    return entries


def kinetics_entries(
    items: ItemInfo, level: int, ann_file: Optional[str], class_file: Optional[str]
) -> List[Tuple[str, int]]:
    """(key, label) pairs for the Kinetics layout."""
    if ann_file:
        named = _kinetics_csv_entries(ann_file, level)
    elif level == 2:
        named = [(key, key.split('/')[0]) for key in items]
    else:
        raise ValueError('Kinetics with --level 1 needs --ann-file (the official csv) for labels')
    if class_file:
        classes = read_lines(class_file, 'class file')
    else:
        classes = sorted({cls for _, cls in named})
    mapping = {name: i for i, name in enumerate(classes)}
    entries = []
    for key, cls in named:
        if cls not in mapping:
            raise ValueError(f'class {cls!r} (of {key}) is not in the class file {class_file}')
        entries.append((key, mapping[cls]))
    return entries


def sthv1_entries(ann_file: str, class_file: str) -> List[Tuple[str, int]]:
    """(key, label) pairs from a Something-Something V1 split csv (``id;label text``)."""
    mapping = {text: i for i, text in enumerate(read_lines(class_file, 'label file'))}
    entries = []
    for lineno, line in enumerate(read_lines(ann_file, 'annotation file'), start=1):
        vid, sep, text = line.partition(';')
        if not sep:
            raise ValueError(f'{ann_file} line {lineno}: expected "id;label text", got {line!r}')
        if text not in mapping:
            raise ValueError(f'{ann_file} line {lineno}: label {text!r} is not in {class_file}')
        entries.append((vid, mapping[text]))
    return entries


def format_lines(
    entries: List[Tuple[str, int]], items: ItemInfo, fmt: str
) -> Tuple[List[dict], int]:
    """Turn (key, label) pairs into records; return them and the number left out."""
    records, missing = [], 0
    for key, label in entries:
        if key not in items or (fmt == 'rawframes' and items[key][1] <= 0):
            missing += 1
            continue
        rel, count = items[key]
        if fmt == 'rawframes':
            records.append(dict(frame_dir=rel, total_frames=count, label=label))
        else:
            records.append(dict(filename=rel, label=label))
    return records, missing


def record_to_line(record: dict) -> str:
    if 'frame_dir' in record:
        return f'{record["frame_dir"]} {record["total_frames"]} {record["label"]}'
    return f'{record["filename"]} {record["label"]}'


def build_records(args: argparse.Namespace) -> List[dict]:
    items = scan_folder(args.src_folder, args.level, args.format, args.rgb_prefix)
    if args.dataset == 'sthv1':
        default_dir = osp.join(osp.dirname(osp.normpath(args.src_folder)), 'annotations')
        ann_file = args.ann_file or osp.join(
            default_dir, f'something-something-v1-{STH_SPLIT_NAMES[args.subset]}.csv'
        )
        class_file = args.class_file or osp.join(
            osp.dirname(ann_file), 'something-something-v1-labels.csv'
        )
        entries = sthv1_entries(ann_file, class_file)
    else:
        entries = kinetics_entries(items, args.level, args.ann_file, args.class_file)
    records, missing = format_lines(entries, items, args.format)
    if missing:
        print(
            f'{missing} of {len(entries)} annotated videos are not in {args.src_folder} '
            f'(or have no frame named {args.rgb_prefix!r}*) and were left out'
        )
    if not records:
        raise ValueError(
            f'no {args.format} of the {len(entries)} annotated videos found in '
            f'{args.src_folder} (level {args.level}, rgb prefix {args.rgb_prefix!r})'
        )
    if args.shuffle:
        random.Random(args.seed).shuffle(records)
    return records


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        records = build_records(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    out_file = args.out_file or osp.join(
        args.out_root_path,
        args.dataset,
        f'{args.dataset}_{args.subset}_list_{args.format}.{args.output_format}',
    )
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with open(out_file, 'w') as f:
        if args.output_format == 'json':
            json.dump(records, f)
        else:
            f.writelines(record_to_line(r) + '\n' for r in records)
    print(f'{len(records)} {args.format} written to {out_file}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
