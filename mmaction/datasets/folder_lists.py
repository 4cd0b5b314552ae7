"""Train and validation lists, a label map and a summary from a folder of class folders.

Behind ``tools/data/folders_to_lists.py``. ``ROOT/<class name>/<video>``
(videos at any depth below their class folder) gives, in ``OUT_DIR``:

- ``label_map.txt``: the class names (the folder names, sorted, kept as they
  are: spaces and non-ASCII letters included), line ``i`` naming label ``i``;
- ``train_list.txt`` and ``val_list.txt``: ``path label`` lines (frame
  folders: ``path total_frames label``), paths relative to the root, as
  :class:`~.VideoDataset` and :class:`~.RawframeDataset` read them; when a
  path holds white space the lists are written as 0.x's JSON lists
  (``train_list.json``), which the data sets read the same way;
- ``summary.txt``: the videos of each class in each split;
- ``skipped.txt``: every file left out (not a video, does not decode) and why;
- ``duplicates.txt``: groups of identical files (same bytes);
- ``lists.json``: all of the above for ``tools/new_config.py``.

The validation split takes ``val_fraction`` of every class (stratified, seeded),
keeping identical files together so that no copy of a training video is
validated on; or comes from a second folder of the same layout (``val_root``).
"""

import json
import os
import os.path as osp
import random
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from mmaction.utils.errors import AnnotationError

from .annotation_list import format_annotation_line
from .folder_scan import Item, Skipped, class_folders, digest_items, duplicate_groups, scan_class

__all__ = ['FolderListOptions', 'FolderLists', 'build_folder_lists', 'write_folder_lists']

#: A warning when the largest class has more than this many times the videos of the smallest.
IMBALANCE_RATIO = 10


@dataclass
class FolderListOptions:
    """What to list (the options of ``tools/data/folders_to_lists.py``).

    Attributes:
        videos_root: The folder with one sub-folder per class.
        val_fraction: Share of each class that goes to validation.
        val_root: A folder of the same layout holding the validation videos
            (then ``val_fraction`` is not used).
        seed: Seed of the split.
        rawframes: List frame folders instead of videos.
        min_per_class: A warning names the classes with fewer videos.
        workers: Processes that check the videos decode.
    """

    videos_root: str
    val_fraction: float = 0.2
    val_root: Optional[str] = None
    seed: int = 0
    rawframes: bool = False
    min_per_class: int = 5
    workers: int = 1


@dataclass
class FolderLists:
    """The lists of a folder of class folders.

    Attributes:
        classes: The class names, in label order.
        train: The training items.
        val: The validation items.
        roots: The folder the paths of each split are relative to.
        skipped: ``(path, reason)`` of everything left out.
        duplicates: Groups of identical files.
        warnings: Lines about classes that are small, unbalanced or empty.
        val_fraction: The share validated on (None with a validation folder).
    """

    classes: List[str]
    train: List[Item]
    val: List[Item]
    roots: Dict[str, str]
    skipped: List[Skipped] = field(default_factory=list)
    duplicates: List[List[Item]] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    val_fraction: Optional[float] = None

    def counts(self, split: str) -> Dict[str, int]:
        """Videos per class of ``'train'`` or ``'val'``."""
        counts = dict.fromkeys(self.classes, 0)
        for item in getattr(self, split):
            counts[item.cls] += 1
        return counts


def _scan_root(
    root: str, options: FolderListOptions
) -> Tuple[Dict[str, List[Item]], List[Skipped], List[str]]:
    """Items by class of one root, what was left out, and the empty class folders."""
    by_class, skipped, empty = {}, [], []
    for cls in class_folders(root):
        items, left_out = scan_class(root, cls, options.rawframes, options.workers)
        skipped += left_out
        if items:
            by_class[cls] = items
        else:
            empty.append(cls)
    return by_class, skipped, empty


def _val_count(total: int, fraction: float) -> int:
    """Validation videos of a class: the fraction, at least one, never all of them."""
    if total < 2 or fraction <= 0:
        return 0
    return min(total - 1, max(1, round(total * fraction)))


def split_class(items: Sequence[Item], fraction: float, seed: int) -> Tuple[List[Item], List[Item]]:
    """Split one class's items, keeping identical files on one side.

    The groups of identical files are shuffled with a generator seeded by
    ``seed`` and the class name (so adding a class does not reshuffle the
    others) and go to validation until it holds its share.
    """
    groups: Dict[str, List[Item]] = {}
    for item in items:
        groups.setdefault(item.digest, []).append(item)
    order = list(groups.values())
    random.Random(f'{seed}:{items[0].cls}').shuffle(order)
    wanted = _val_count(len(items), fraction)
    train, val = [], []
    for group in order:
        (val if len(val) < wanted and len(val) + len(group) < len(items) else train).extend(group)
    return sorted(train, key=lambda i: i.rel), sorted(val, key=lambda i: i.rel)


def _class_warnings(lists: FolderLists, empty: Sequence[str], min_per_class: int) -> List[str]:
    train, val = lists.counts('train'), lists.counts('val')
    totals = {c: train[c] + val[c] for c in lists.classes}
    warnings = [f'class folder {name!r} holds no usable video: it is not a class' for name in empty]
    if not lists.val:
        warnings.append(
            'no validation video (each class needs two videos, or give --val-root): training '
            'cannot validate'
        )
    small = [f'{c} ({n})' for c, n in totals.items() if n < min_per_class]
    if small:
        warnings.append(
            f'{len(small)} class(es) with fewer than {min_per_class} videos: {", ".join(small)}; '
            'a model learns little from so few examples'
        )
    largest = max(totals, key=totals.get)
    smallest = min(totals, key=totals.get)
    if totals[largest] > IMBALANCE_RATIO * totals[smallest]:
        warnings.append(
            f'unbalanced classes: {largest!r} has {totals[largest]} videos, {smallest!r} '
            f'{totals[smallest]} (more than {IMBALANCE_RATIO}x); consider class_weight or '
            'sample_by_class (see the config tools/new_config.py writes)'
        )
    return warnings


def _check_classes(classes: Sequence[str], root: str, val_classes: Sequence[str]) -> None:
    if not classes:
        raise AnnotationError(
            f'{root} holds no usable video in a class folder: put the videos in one sub-folder '
            'per class (ROOT/<class name>/<video>)'
        )
    if len(classes) == 1:
        raise AnnotationError(
            f'{root} has one class folder ({classes[0]!r}): a classifier needs at least two '
            'classes, one sub-folder each'
        )
    unknown = sorted(set(val_classes) - set(classes))
    if unknown:
        raise AnnotationError(
            f'the validation folder has class folder(s) {unknown} that the training folder '
            f'{root} does not have: use the same class folder names in both'
        )


def build_folder_lists(options: FolderListOptions) -> FolderLists:
    """Scan the folder(s), check every video decodes, split per class.

    Raises:
        AnnotationError: The root is not a folder, holds no usable video or
            only one class, or the validation folder has classes the
            training folder does not.
    """
    root = osp.abspath(options.videos_root)
    by_class, skipped, empty = _scan_root(root, options)
    val_root = osp.abspath(options.val_root) if options.val_root else root
    val_by_class: Dict[str, List[Item]] = {}
    if options.val_root:
        val_by_class, val_skipped, _ = _scan_root(val_root, options)
        skipped += val_skipped
    classes = sorted(by_class)
    _check_classes(classes, root, sorted(val_by_class))
    digest_items([i for items in [*by_class.values(), *val_by_class.values()] for i in items])
    train, val = [], []
    for cls in classes:
        if options.val_root:
            train += by_class[cls]
            val += val_by_class.get(cls, [])
        else:
            part = split_class(by_class[cls], options.val_fraction, options.seed)
            train, val = train + part[0], val + part[1]
    fraction = None if options.val_root else options.val_fraction
    lists = FolderLists(classes, train, val, dict(train=root, val=val_root), skipped)
    lists.val_fraction = fraction
    lists.duplicates = duplicate_groups(train + val)
    lists.warnings = _class_warnings(lists, empty, options.min_per_class)
    return lists


def summary_table(lists: FolderLists) -> str:
    """The class, train and val columns, with a total line."""
    train, val = lists.counts('train'), lists.counts('val')
    width = max(len('class'), *(len(c) for c in lists.classes))
    rows = [f'{"class":<{width}}  {"train":>5}  {"val":>5}']
    rows += [f'{c:<{width}}  {train[c]:>5}  {val[c]:>5}' for c in lists.classes]
    rows.append(f'{"total":<{width}}  {sum(train.values()):>5}  {sum(val.values()):>5}')
    return '\n'.join(rows)


def duplicate_lines(lists: FolderLists) -> List[str]:
    """One line per group of identical files: where each copy is (split, class, path)."""
    where = {id(i): 'train' for i in lists.train}
    where.update({id(i): 'val' for i in lists.val})
    lines = []
    for group in lists.duplicates:
        lines.append(' = '.join(f'{where[id(i)]}:{i.cls}:{i.rel}' for i in group))
    return lines


def duplicate_notes(lists: FolderLists) -> List[str]:
    """Console lines about identical files across the splits or across classes."""
    where = {id(i): 'train' for i in lists.train}
    where.update({id(i): 'val' for i in lists.val})
    across = sum(len({where[id(i)] for i in g}) > 1 for g in lists.duplicates)
    classes = sum(len({i.cls for i in g}) > 1 for g in lists.duplicates)
    notes = []
    if across:
        notes.append(
            f'{across} video(s) of the validation split are identical to training videos: the '
            'validation accuracy overstates (see duplicates.txt)'
        )
    if classes:
        notes.append(
            f'{classes} group(s) of identical files are in different class folders: the same '
            'video has two labels (see duplicates.txt)'
        )
    return notes


def _records(items: Sequence[Item], classes: Sequence[str]) -> List[dict]:
    label = {name: index for index, name in enumerate(classes)}
    records = []
    for item in items:
        if item.total_frames >= 0:
            records.append(
                dict(frame_dir=item.rel, total_frames=item.total_frames, label=label[item.cls])
            )
        else:
            records.append(dict(filename=item.rel, label=label[item.cls]))
    return records


def _write(path: str, text: str) -> None:
    with open(path, 'w', encoding='utf-8') as file:
        file.write(text)


def _write_list(out_dir: str, split: str, records: List[dict], as_json: bool) -> str:
    name = f'{split}_list.json' if as_json else f'{split}_list.txt'
    if as_json:
        rows = ',\n'.join(json.dumps(r, ensure_ascii=False) for r in records)
        _write(osp.join(out_dir, name), f'[\n{rows}\n]\n')
    else:
        _write(osp.join(out_dir, name), ''.join(format_annotation_line(r) + '\n' for r in records))
    return name


def write_folder_lists(
    lists: FolderLists, out_dir: str, log: Callable[[str], None] = print
) -> dict:
    """Write the lists, label map, summary, skipped files, duplicates and ``lists.json``.

    Returns:
        What ``lists.json`` holds (file names relative to ``out_dir``).
    """
    os.makedirs(out_dir, exist_ok=True)
    # Text lists split at white space: a path with a space needs the JSON list.
    as_json = any(any(c.isspace() for c in i.rel) for i in lists.train + lists.val)
    if as_json:
        log('some paths hold white space: the lists are written as JSON, which the data sets read')
    meta = dict(
        format='rawframes' if any(i.total_frames >= 0 for i in lists.train) else 'videos',
        classes=lists.classes,
        label_map='label_map.txt',
        val_fraction=lists.val_fraction,
    )
    for split in ('train', 'val'):
        items = getattr(lists, split)
        meta[split] = dict(
            list=_write_list(out_dir, split, _records(items, lists.classes), as_json),
            root=lists.roots[split],
            videos=len(items),
        )
    _write(osp.join(out_dir, 'label_map.txt'), ''.join(f'{c}\n' for c in lists.classes))
    _write(osp.join(out_dir, 'summary.txt'), summary_table(lists) + '\n')
    _write(osp.join(out_dir, 'skipped.txt'), ''.join(f'{p}\t{r}\n' for p, r in lists.skipped))
    _write(osp.join(out_dir, 'duplicates.txt'), ''.join(f'{ln}\n' for ln in duplicate_lines(lists)))
    _write(osp.join(out_dir, 'lists.json'), json.dumps(meta, ensure_ascii=False, indent=2) + '\n')
    return meta
