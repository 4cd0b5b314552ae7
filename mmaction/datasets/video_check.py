"""Find the videos of an annotation list that are missing or cannot be decoded.

Behind ``tools/analysis/check_videos.py``. Each video is opened and its
first, middle and last frames are decoded by the toolkit's own decoding
transforms, so a video passes here exactly when the data pipelines can read
it: ``'decord'`` (``DecordInit(backend='decord')``/``DecordDecode``),
``'pyav'`` (``PyAVInit``/``PyAVDecode``) or ``'opencv'``
(``OpenCVInit``/``OpenCVDecode``).
"""

import os.path as osp
from multiprocessing import Pool
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from .annotation_list import path_column, read_annotation_list
from .exceptions import BrokenVideoError
from .transforms.decord_decode import DecordDecode, DecordInit
from .transforms.opencv_decode import OpenCVDecode, OpenCVInit
from .transforms.pyav_decode import PyAVDecode, PyAVInit

__all__ = ['DECODERS', 'check_video', 'check_videos', 'list_video_paths']

#: The decoders a video can be checked with.
DECODERS = ('decord', 'pyav', 'opencv')


def list_video_paths(ann_file: str, data_prefix: Optional[str] = None) -> List[str]:
    """The video paths of a video list (``path label ...`` lines, or JSON), with the prefix.

    Raises:
        FileNotFoundError: There is no such list.
        AnnotationError: A malformed line (file and line named).
    """
    # Any number of labels: the check is about the videos, whatever the task.
    names = path_column(read_annotation_list(ann_file, 'video', multi_class=True))
    return [osp.join(data_prefix, name) if data_prefix else name for name in names]


def _decoding_steps(decoder: str) -> tuple:
    """The open and decode transforms of ``decoder``, one thread each (the pool parallelises)."""
    if decoder == 'decord':
        return DecordInit(backend='decord', num_threads=1), DecordDecode()
    if decoder == 'pyav':
        return PyAVInit(num_threads=1), PyAVDecode()
    if decoder == 'opencv':
        return OpenCVInit(), OpenCVDecode()
    raise ValueError(f'decoder must be one of {DECODERS}, got {decoder!r}')


def _decode_first_middle_last(path: str, decoder: str) -> None:
    open_video, decode = _decoding_steps(decoder)
    results = open_video(dict(filename=path, start_index=0))
    total = results['total_frames']
    results['frame_inds'] = np.array(sorted({0, total // 2, total - 1}))
    decode(results)


def _reason(error: Exception) -> str:
    """One line: the decoder's reason for a broken video, else the error's type and last line."""
    if isinstance(error, BrokenVideoError):
        return ' '.join(error.reason.split())
    message = str(error).strip().splitlines()
    return f'{type(error).__name__}: {message[-1] if message else ""}'.rstrip(': ')


def check_video(task: Union[Tuple[str, str], Sequence[str]]) -> Tuple[str, Optional[str]]:
    """Check one ``(path, decoder)``: ``(path, None)`` for a good video, ``(path, reason)`` else."""
    path, decoder = task
    if not osp.isfile(path):
        return path, 'file not found'
    if osp.getsize(path) == 0:
        return path, 'empty file'
    try:
        _decode_first_middle_last(path, decoder)
    except Exception as error:  # every decoder error means a broken video
        return path, _reason(error)
    return path, None


def check_videos(
    paths: Sequence[str], decoder: str = 'decord', num_processes: int = 1
) -> List[Tuple[str, str]]:
    """Check the videos; return ``(path, reason)`` of the broken ones, in input order."""
    _decoding_steps(decoder)  # an unknown decoder fails here, not once per video
    tasks = [(path, decoder) for path in paths]
    if num_processes > 1 and len(tasks) > 1:
        with Pool(num_processes) as pool:
            results = pool.map(check_video, tasks, chunksize=1)
    else:
        results = [check_video(task) for task in tasks]
    return [(path, reason) for path, reason in results if reason is not None]
