"""Find the videos (or frame folders) of a folder with one sub-folder per class.

Behind :mod:`.folder_lists` (``tools/data/folders_to_lists.py``): the class
folders are listed, every file under them is kept if it is a video that
decodes (or, for frame folders, a folder with frames), and every other one is
named with the reason it was left out. Identical files (same bytes) are
found by their SHA-1, so that no copy of a training video lands in the
validation split.
"""

import hashlib
import os
import os.path as osp
from dataclasses import dataclass
from multiprocessing import Pool
from typing import Dict, List, Sequence, Tuple

from mmaction.utils.errors import AnnotationError
from mmaction.utils.video_resize import VIDEO_EXTS

from .file_list import count_frames
from .video_check import check_video

__all__ = ['Item', 'Skipped', 'class_folders', 'digest_items', 'scan_class']

#: ``(path, reason)`` of a file or folder that is left out.
Skipped = Tuple[str, str]
#: Prefix of the frame files of a frame folder (``img_00001.jpg``, as build_rawframes.py writes).
FRAME_PREFIX = 'img_'


@dataclass
class Item:
    """One video (or frame folder) found under a class folder.

    Attributes:
        path: Its path.
        rel: Its path relative to the root folder (what the list holds).
        cls: The class (the name of its class folder).
        total_frames: Frames of a frame folder (-1 for a video).
        digest: SHA-1 of the file's bytes ('' until :func:`digest_items`).
    """

    path: str
    rel: str
    cls: str
    total_frames: int = -1
    digest: str = ''


def class_folders(root: str) -> List[str]:
    """The class folder names of ``root``, sorted (hidden folders are not classes).

    Raises:
        AnnotationError: ``root`` is not a folder.
    """
    if not osp.isdir(root):
        raise AnnotationError(
            f'{root} is not a folder: give the folder that holds one sub-folder of videos per '
            'class (ROOT/<class name>/<video>)'
        )
    return sorted(
        name
        for name in os.listdir(root)
        if not name.startswith('.') and osp.isdir(osp.join(root, name))
    )


def _is_video(name: str) -> bool:
    return osp.splitext(name)[1].lower().lstrip('.') in VIDEO_EXTS


def _scan_videos(root: str, cls: str) -> Tuple[List[Item], List[Skipped]]:
    items, skipped = [], []
    for folder, subfolders, files in os.walk(osp.join(root, cls)):
        subfolders.sort()
        for name in sorted(files):
            path = osp.join(folder, name)
            if _is_video(name):
                items.append(Item(path, osp.relpath(path, root), cls))
            else:
                skipped.append((path, f'not a video file (extensions: {", ".join(VIDEO_EXTS)})'))
    return items, skipped


def _scan_frame_folders(root: str, cls: str) -> Tuple[List[Item], List[Skipped]]:
    items, skipped = [], []
    class_dir = osp.join(root, cls)
    for name in sorted(os.listdir(class_dir)):
        path = osp.join(class_dir, name)
        if not osp.isdir(path):
            skipped.append((path, 'not a frame folder (--rawframes lists folders of frames)'))
            continue
        frames = count_frames(path, FRAME_PREFIX)
        if frames:
            items.append(Item(path, osp.relpath(path, root), cls, total_frames=frames))
        else:
            skipped.append((path, f'no frames named {FRAME_PREFIX}*'))
    return items, skipped


def _drop_undecodable(items: List[Item], workers: int) -> Tuple[List[Item], List[Skipped]]:
    """The items whose first, middle and last frames decode, and the others with the reason."""
    tasks = [(item.path, 'pyav') for item in items]
    if workers > 1 and len(tasks) > 1:
        with Pool(workers) as pool:
            reasons = [reason for _, reason in pool.map(check_video, tasks, chunksize=1)]
    else:
        reasons = [check_video(task)[1] for task in tasks]
    kept = [item for item, reason in zip(items, reasons) if reason is None]
    bad = [
        (item.path, f'does not decode: {reason}') for item, reason in zip(items, reasons) if reason
    ]
    return kept, bad


def scan_class(
    root: str, cls: str, rawframes: bool = False, workers: int = 1
) -> Tuple[List[Item], List[Skipped]]:
    """The usable videos (or frame folders) of one class folder, and what was left out.

    Args:
        root: The root folder.
        cls: The class folder's name.
        rawframes: List frame folders (``img_00001.jpg``, ...) instead of videos.
        workers: Processes that check the videos decode.

    Returns:
        ``(items, skipped)``: the items in path order; ``(path, reason)`` of
        every file (or folder) left out.
    """
    if rawframes:
        return _scan_frame_folders(root, cls)
    items, skipped = _scan_videos(root, cls)
    items, broken = _drop_undecodable(items, workers)
    return items, skipped + broken


def _sha1(path: str) -> str:
    digest = hashlib.sha1()
    with open(path, 'rb') as file:
        for block in iter(lambda: file.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def digest_items(items: Sequence[Item]) -> None:
    """Fill each video's ``digest`` (frame folders keep their path: they are not compared)."""
    for item in items:
        item.digest = item.path if item.total_frames >= 0 else _sha1(item.path)


def duplicate_groups(items: Sequence[Item]) -> List[List[Item]]:
    """Groups of two or more items with the same bytes, in path order."""
    groups: Dict[str, List[Item]] = {}
    for item in items:
        groups.setdefault(item.digest, []).append(item)
    return [group for group in groups.values() if len(group) > 1]
