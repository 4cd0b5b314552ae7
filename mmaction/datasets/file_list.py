"""Annotation lists built from data folders (``tools/data/build_file_list.py``).

Kinetics (``SRC/<class>/<video>.mp4`` or frame folders ``SRC/<class>/<video>/``):
labels are the index of the class folder name among the sorted class folders,
or its line number in a class file; an official Kinetics csv
(``label,youtube_id,time_start,time_end,...``) keeps only the listed videos.
Something-Something V1 (frame folders named by id): videos and labels come
from ``something-something-v1-{train,validation}.csv`` (``id;label text``)
and ``something-something-v1-labels.csv``.

The records are written in the layouts :mod:`.annotation_list` reads
(:func:`~.annotation_list.format_annotation_line`), or as 0.x's JSON list.
"""

import csv
import glob
import json
import os
import os.path as osp
import random
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from .annotation_list import format_annotation_line

__all__ = ['FileListOptions', 'KINETICS', 'build_file_list', 'write_file_list']

KINETICS = ('kinetics400', 'kinetics600', 'kinetics700')
STH_SPLIT_NAMES = dict(train='train', val='validation')

# key (relative path without extension) -> (relative path, number of frames or -1)
ItemInfo = Dict[str, Tuple[str, int]]


@dataclass
class FileListOptions:
    """What to list (the options of ``tools/data/build_file_list.py``).

    Attributes:
        dataset: ``'kinetics400'``, ``'kinetics600'``, ``'kinetics700'`` or ``'sthv1'``.
        src_folder: Folder holding the videos or frame folders.
        format: ``'rawframes'`` or ``'videos'``.
        subset: ``'train'`` or ``'val'``.
        level: Folder depth, 1 or 2.
        rgb_prefix: Frame file name prefix (``''`` for sthv1's ``00001.jpg``).
        ann_file: Split annotations (Kinetics or sthv1 csv).
        class_file: Class names, one per line, or sthv1's labels csv.
        shuffle: Shuffle the records.
        seed: Seed of the shuffle.
    """

    dataset: str
    src_folder: str
    format: str = 'rawframes'
    subset: str = 'train'
    level: int = 2
    rgb_prefix: str = 'img_'
    ann_file: Optional[str] = None
    class_file: Optional[str] = None
    shuffle: bool = False
    seed: Optional[int] = None


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
    """The non-blank lines of a text file, stripped."""
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


def build_file_list(options: FileListOptions, log: Callable[[str], None] = print) -> List[dict]:
    """Scan the folder and match it against the annotations; return the records.

    Annotated videos missing from the folder are left out, with a line to ``log``.

    Raises:
        FileNotFoundError: The folder or an annotation file does not exist.
        ValueError: A malformed annotation line, or no video of the list found.
    """
    items = scan_folder(options.src_folder, options.level, options.format, options.rgb_prefix)
    if options.dataset == 'sthv1':
        default_dir = osp.join(osp.dirname(osp.normpath(options.src_folder)), 'annotations')
        ann_file = options.ann_file or osp.join(
            default_dir, f'something-something-v1-{STH_SPLIT_NAMES[options.subset]}.csv'
        )
        class_file = options.class_file or osp.join(
            osp.dirname(ann_file), 'something-something-v1-labels.csv'
        )
        entries = sthv1_entries(ann_file, class_file)
    else:
        entries = kinetics_entries(items, options.level, options.ann_file, options.class_file)
    records, missing = format_lines(entries, items, options.format)
    if missing:
        log(
            f'{missing} of {len(entries)} annotated videos are not in {options.src_folder} '
            f'(or have no frame named {options.rgb_prefix!r}*) and were left out'
        )
    if not records:
        raise ValueError(
            f'no {options.format} of the {len(entries)} annotated videos found in '
            f'{options.src_folder} (level {options.level}, rgb prefix {options.rgb_prefix!r})'
        )
    if options.shuffle:
        random.Random(options.seed).shuffle(records)
    return records


def write_file_list(records: List[dict], out_file: str, output_format: str = 'txt') -> None:
    """Write the records as a text list (one line each) or a JSON list."""
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with open(out_file, 'w') as f:
        if output_format == 'json':
            json.dump(records, f)
        else:
            f.writelines(format_annotation_line(r) + '\n' for r in records)
