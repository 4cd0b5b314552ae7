"""Helpers shared by the video decoding transforms (not a transform itself)."""

import io
import os
import os.path as osp
from typing import Callable, List, Optional, Tuple, Union

import numpy as np

from mmaction.utils.errors import ConfigError

from ..exceptions import BrokenVideoError

#: ``io_backend`` names of the local disk (MMAction2 1.x's and mmengine's).
DISK_BACKENDS = ('disk', 'local')


def check_io_backend(owner: str, io_backend: str, backend_kwargs: dict) -> None:
    """Refuse, when the transform is built, an ``io_backend`` that cannot be read.

    ``'disk'`` (or ``'local'``) takes no arguments. Another name must be one
    of mmengine's file backends and must start with ``backend_kwargs`` here
    (its client package installed, its arguments right), so that a config
    naming, e.g., ``'petrel'`` fails at once in one line instead of turning
    every video into a broken one.

    Args:
        owner (str): The transform, for the message.
        io_backend (str): The backend name.
        backend_kwargs (dict): The transform's other keyword arguments,
            which go to the backend.

    Raises:
        ConfigError: Naming the value and what is supported.
    """
    if io_backend in DISK_BACKENDS:
        if backend_kwargs:
            raise ConfigError(
                f'{owner}: unknown argument(s) {sorted(backend_kwargs)} (io_backend='
                f'{io_backend!r} takes none); remove them'
            )
        return
    from mmengine.fileio.backends.registry_utils import backends

    if io_backend not in backends:
        raise ConfigError(
            f'{owner}: io_backend={io_backend!r} is not supported; use one of '
            f'{list(DISK_BACKENDS[:1]) + sorted(set(backends) - set(DISK_BACKENDS))}'
        )
    try:
        backends[io_backend](**backend_kwargs)
    except (ImportError, TypeError, ValueError, OSError) as error:
        raise ConfigError(
            f'{owner}: io_backend={io_backend!r} cannot be used here ({error}); '
            "use io_backend='disk' with the files on a local disk"
        ) from None


def open_video_source(
    filename: str, io_backend: str = 'disk', **backend_kwargs
) -> Union[str, io.BytesIO]:
    """Return what a decoder should open for ``filename``.

    On disk that is the path itself (after checking that the file exists and
    is not empty); for other backends the bytes, fetched with mmengine's file
    I/O, wrapped in a ``BytesIO``.

    Raises:
        BrokenVideoError: missing or empty file.
    """
    if io_backend in ('disk', 'local'):
        if not osp.isfile(filename):
            raise BrokenVideoError(filename, 'file not found')
        if osp.getsize(filename) == 0:
            raise BrokenVideoError(filename, 'file is empty')
        return filename
    from mmengine import fileio

    try:
        data = fileio.get(filename, backend_args=dict(backend=io_backend, **backend_kwargs))
    except (OSError, KeyError, ValueError) as error:
        raise BrokenVideoError(filename, f'cannot read it from {io_backend!r}: {error}') from error
    if not data:
        raise BrokenVideoError(filename, 'file is empty')
    return io.BytesIO(data)


# Frame threads beyond this give little on short clips and cost memory.
MAX_AUTO_THREADS = 8
DECODE_MODES = ('accurate', 'efficient')


def usable_cores() -> int:
    """CPU cores this process may run on."""
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def decoder_threads(requested: Optional[int] = None) -> int:
    """Decoder threads for a video opened in this process.

    Args:
        requested (int, optional): An explicit choice, returned as is. None
            gives each data-loader worker an equal share of the cores (all of
            them outside a worker), at most ``MAX_AUTO_THREADS``.

    Returns:
        int: The number of threads (1: no threading).
    """
    if requested is not None:
        if requested < 0:
            raise ValueError(f'num_threads must be >= 0 or None, got {requested}')
        return requested
    from torch.utils.data import get_worker_info

    info = get_worker_info()
    workers = info.num_workers if info is not None else 1
    return max(1, min(MAX_AUTO_THREADS, usable_cores() // workers))


def check_decode_mode(mode: str) -> str:
    """Return ``mode`` if it is a decoding mode, else raise ``ValueError``."""
    if mode not in DECODE_MODES:
        raise ValueError(f'mode must be one of {DECODE_MODES}, got {mode!r}')
    return mode


def unique_frame_inds(frame_inds: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Sorted unique frame indices and, for each requested one, its position there."""
    frame_inds = np.asarray(frame_inds).reshape(-1).astype(np.int64)
    if frame_inds.size == 0:
        raise ValueError('frame_inds is empty: nothing to decode')
    return np.unique(frame_inds, return_inverse=True)


def check_frame_inds(frame_inds: np.ndarray, total_frames: int, filename: str) -> None:
    """Reject indices outside ``[0, total_frames)`` with an error naming the file."""
    low, high = int(frame_inds.min()), int(frame_inds.max())
    if low < 0 or high >= total_frames:
        raise IndexError(
            f'frame index {low if low < 0 else high} out of range for {filename} '
            f'({total_frames} frames); is the dataset start_index right for videos (0)?'
        )


def store_frames(
    results: dict, unique_imgs: List[np.ndarray], inverse: np.ndarray, video: bool = True
) -> dict:
    """Put the decoded frames, in the requested order, and their shapes into ``results``.

    For videos, also drop the (closed) reader from ``results``.
    """
    imgs = [unique_imgs[position] for position in inverse]
    results['imgs'] = imgs
    results['original_shape'] = imgs[0].shape[:2]
    results['img_shape'] = imgs[0].shape[:2]
    if video:
        results['video_reader'] = None
    return results


def decode_sampled(
    results: dict,
    total_frames: int,
    filename: str,
    read: Callable[[np.ndarray], List[np.ndarray]],
) -> dict:
    """Check ``results['frame_inds']``, decode each distinct one once, store the frames.

    Args:
        results (dict): The pipeline's results, with ``frame_inds``.
        total_frames (int): Frames of the video (the indices' range).
        filename (str): The video, for error messages.
        read (callable): Sorted unique indices to their ``H x W x 3`` frames.

    Returns:
        dict: ``results`` with ``imgs`` in the order of ``frame_inds`` (see
        :func:`store_frames`).
    """
    frame_inds = np.asarray(results['frame_inds']).reshape(-1)
    check_frame_inds(frame_inds, total_frames, filename)
    wanted, inverse = unique_frame_inds(frame_inds)
    return store_frames(results, read(wanted), inverse)
