"""Extract the RGB frames of videos to ``img_00001.jpg`` ... folders (``tools/data/build_rawframes.py``).

``SRC/<video>.<ext>`` (level 1) or ``SRC/<class>/<video>.<ext>`` (level 2)
becomes ``OUT/<video>/`` or ``OUT/<class>/<video>/``. Frames are decoded
with PyAV (default; MMAction2 used the external denseflow tool there) or
OpenCV. A hidden ``.done`` file, written after the last frame, marks a
finished folder: with ``resume`` those are skipped and the others redone.
"""

import glob
import os
import os.path as osp
import shutil
from dataclasses import dataclass
from multiprocessing import Pool
from typing import Iterator, List, NamedTuple, Sequence, Tuple

import numpy as np

__all__ = [
    'DEFAULT_EXTS',
    'DONE_FILE',
    'ExtractOptions',
    'ExtractResult',
    'extract_frames',
    'extract_video',
    'find_videos',
    'output_size',
]

DONE_FILE = '.done'
DEFAULT_EXTS = ('mp4', 'avi', 'webm', 'mkv', 'mov')


@dataclass
class ExtractOptions:
    """How frames are extracted.

    Attributes:
        out_dir: Folder for the frame folders.
        out_format: ``'jpg'`` or ``'png'``.
        new_width: Resize width (with ``new_height``); 0 keeps the size.
        new_height: Resize height (with ``new_width``).
        new_short: Resize the short side, keeping the ratio; 0 keeps the size.
        use_opencv: Decode with OpenCV instead of PyAV.
        resume: Skip the videos whose frame folder is complete.
    """

    out_dir: str
    out_format: str = 'jpg'
    new_width: int = 0
    new_height: int = 0
    new_short: int = 0
    use_opencv: bool = False
    resume: bool = False


class ExtractResult(NamedTuple):
    """One video's outcome: its path relative to the source folder, ``'done'``,
    ``'skipped'`` or ``'failed'``, and the error message ('' if none)."""

    rel_path: str
    status: str
    message: str


def find_videos(src_dir: str, level: int, exts: Sequence[str]) -> List[str]:
    """Return the sorted video paths relative to ``src_dir`` (``[class/]name.ext``)."""
    if not osp.isdir(src_dir):
        raise FileNotFoundError(f'source folder {src_dir} does not exist')
    pattern = osp.join(src_dir, *(['*'] * level))
    wanted = {'.' + e.lower().lstrip('.') for e in exts}
    found = [
        p for p in glob.glob(pattern) if osp.isfile(p) and osp.splitext(p)[1].lower() in wanted
    ]
    return sorted(osp.relpath(p, src_dir) for p in found)


def output_size(height: int, width: int, options: ExtractOptions) -> Tuple[int, int]:
    """Return the ``(height, width)`` frames are resized to."""
    if options.new_short:
        if height <= width:
            return options.new_short, max(1, int(round(width * options.new_short / height)))
        return max(1, int(round(height * options.new_short / width))), options.new_short
    if options.new_width:
        return options.new_height, options.new_width
    return height, width


def _frames_opencv(path: str) -> Iterator[np.ndarray]:
    import cv2

    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise OSError('OpenCV cannot open the video')
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            yield frame
    finally:
        cap.release()


def _frames_pyav(path: str) -> Iterator[np.ndarray]:
    import av

    with av.open(path) as container:
        if not container.streams.video:
            raise OSError('the file has no video stream')
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format='bgr24')


def extract_video(src_dir: str, rel_path: str, options: ExtractOptions) -> ExtractResult:
    """Extract one video's frames into ``options.out_dir``."""
    import cv2

    out_path = osp.join(options.out_dir, osp.splitext(rel_path)[0])
    if options.resume and osp.exists(osp.join(out_path, DONE_FILE)):
        return ExtractResult(rel_path, 'skipped', '')
    # A folder without the done-file is from an interrupted run: start over.
    if osp.isdir(out_path):
        shutil.rmtree(out_path)
    os.makedirs(out_path)
    reader = _frames_opencv if options.use_opencv else _frames_pyav
    count = 0
    try:
        for count, frame in enumerate(reader(osp.join(src_dir, rel_path)), start=1):
            height, width = output_size(frame.shape[0], frame.shape[1], options)
            if (height, width) != frame.shape[:2]:
                frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_LINEAR)
            name = osp.join(out_path, f'img_{count:05d}.{options.out_format}')
            if not cv2.imwrite(name, frame):
                raise OSError(f'cannot write {name}')
    except Exception as exc:  # any decoder failure is reported per video
        return ExtractResult(
            rel_path, 'failed', f'{type(exc).__name__}: {exc} (after {count} frames)'
        )
    if count == 0:
        return ExtractResult(rel_path, 'failed', 'no frame could be decoded')
    with open(osp.join(out_path, DONE_FILE), 'w') as f:
        f.write(f'{count}\n')
    return ExtractResult(rel_path, 'done', '')


def _extract_task(task: Tuple[str, str, ExtractOptions]) -> ExtractResult:
    return extract_video(*task)


def extract_frames(
    src_dir: str, videos: Sequence[str], options: ExtractOptions, num_workers: int = 1
) -> Iterator[ExtractResult]:
    """Extract the frames of ``videos`` (relative to ``src_dir``), as they finish.

    Args:
        src_dir: The folder the video paths are relative to.
        videos: The videos (see :func:`find_videos`).
        options: How frames are extracted.
        num_workers: Videos extracted in parallel processes.

    Yields:
        One :class:`ExtractResult` per video, in the order they finish.
    """
    os.makedirs(options.out_dir, exist_ok=True)
    tasks = [(src_dir, rel, options) for rel in videos]
    if num_workers > 1 and len(tasks) > 1:
        with Pool(num_workers) as pool:
            yield from pool.imap_unordered(_extract_task, tasks)
    else:
        yield from map(_extract_task, tasks)
