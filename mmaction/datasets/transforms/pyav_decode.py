"""Video decoding with PyAV: ``PyAVInit`` and ``PyAVDecode``.

The functions :func:`pyav_open` and :func:`pyav_decode` are also what
``DecordInit``/``DecordDecode`` fall back to when decord is not installed.
"""

from fractions import Fraction
from typing import Dict, List, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from ..exceptions import BrokenVideoError
from .video_io import check_frame_inds, open_video_source, store_frames, unique_frame_inds

# A target this many frames or fewer past the decoder's position is reached by
# decoding on; a farther one by seeking to the key frame before it.
MAX_DECODE_GAP = 32
# Frame counts in headers can be a frame or two too high; a stream that ends
# earlier than that before a requested frame is truncated.
MAX_MISSING_TAIL = 2


class _SeekUnreliable(Exception):
    """Timestamps do not map to frame numbers; decode sequentially instead."""


def _av_errors() -> Tuple[type, ...]:
    import av

    return (av.error.FFmpegError, OSError, ValueError, EOFError)


def pyav_open(source, filename: str):
    """Open a video with PyAV.

    Args:
        source (str | BytesIO): What to open (see ``open_video_source``).
        filename (str): The file's name, for error messages.

    Returns:
        tuple: ``(container, total_frames)``.

    Raises:
        BrokenVideoError: the file cannot be opened, has no video stream or
            no frames.
    """
    import av

    try:
        container = av.open(source)
        if not container.streams.video:
            container.close()
            raise BrokenVideoError(filename, 'no video stream')
        stream = container.streams.video[0]
        total_frames = stream.frames
        if total_frames <= 0:
            # Some containers (webm, mkv) do not store the frame count.
            total_frames = sum(1 for packet in container.demux(stream) if packet.size)
            container.seek(0)
    except _av_errors() as error:
        raise BrokenVideoError(filename, f'PyAV cannot open it: {error}') from error
    if total_frames <= 0:
        container.close()
        raise BrokenVideoError(filename, 'no video frames')
    return container, int(total_frames)


def _frame_number(frame, start: int, frames_per_tick: Fraction) -> int:
    if frame.pts is None:
        raise _SeekUnreliable
    exact = (frame.pts - start) * frames_per_tick
    number = round(exact)
    if abs(exact - number) > Fraction(1, 100):
        raise _SeekUnreliable
    return number


def _decode_seeking(container, wanted: np.ndarray) -> Tuple[Dict[int, np.ndarray], int]:
    """Decode the ``wanted`` frames (sorted, unique), seeking over long gaps.

    Frame numbers come from timestamps, which only works for constant frame
    rate streams; anything else raises ``_SeekUnreliable``.

    Returns:
        tuple: ``{frame number: RGB array}`` and the last frame number decoded.
    """
    stream = container.streams.video[0]
    if not stream.average_rate or not stream.time_base:
        raise _SeekUnreliable
    frames_per_tick = Fraction(stream.average_rate) * Fraction(stream.time_base)
    start = stream.start_time or 0
    found: Dict[int, np.ndarray] = {}
    number = -1
    k = 0
    while k < len(wanted):
        target = int(wanted[k])
        container.seek(
            start + int(target / frames_per_tick), backward=True, any_frame=False, stream=stream
        )
        first = True
        for frame in container.decode(stream):
            number = _frame_number(frame, start, frames_per_tick)
            if (first and number > target) or number > wanted[k]:
                raise _SeekUnreliable
            first = False
            if number == wanted[k]:
                found[number] = frame.to_ndarray(format='rgb24')
                k += 1
                if k == len(wanted) or wanted[k] - number > MAX_DECODE_GAP:
                    break
        else:
            break
    return found, number


def _decode_sequential(container, wanted: np.ndarray) -> Tuple[Dict[int, np.ndarray], int]:
    """Decode from the start, keeping the ``wanted`` frames (counted in order).

    Returns:
        tuple: ``{frame number: RGB array}`` and the last frame number decoded.
    """
    container.seek(0)
    wanted_set = set(wanted.tolist())
    last = int(wanted[-1])
    found: Dict[int, np.ndarray] = {}
    number = -1
    for number, frame in enumerate(container.decode(video=0)):
        if number in wanted_set:
            found[number] = frame.to_ndarray(format='rgb24')
        if number >= last:
            break
    return found, number


def _decode_keyframes(container, wanted: np.ndarray) -> Dict[int, np.ndarray]:
    """For each wanted frame, the key frame at or before it (fast, inexact)."""
    stream = container.streams.video[0]
    frames_per_tick = Fraction(stream.average_rate or 1) * Fraction(stream.time_base or 1)
    start = stream.start_time or 0
    found: Dict[int, np.ndarray] = {}
    previous = None
    for target in wanted.tolist():
        container.seek(
            start + int(target / frames_per_tick), backward=True, any_frame=False, stream=stream
        )
        frame = next(iter(container.decode(stream)), None)
        if frame is not None:
            previous = frame.to_ndarray(format='rgb24')
        if previous is not None:
            found[target] = previous
    return found


def pyav_decode(
    container,
    frame_inds: np.ndarray,
    filename: str,
    mode: str = 'accurate',
    multi_thread: bool = False,
) -> Tuple[List[np.ndarray], np.ndarray]:
    """Decode the frames ``frame_inds`` (0-based) of an open PyAV container.

    Only the sampled frames are converted to RGB; in ``'accurate'`` mode the
    decoder seeks to the key frame before each distant target (decoding from
    the start when timestamps are irregular). Requested frames just past the
    end of the stream (a header that over-counts by up to
    ``MAX_MISSING_TAIL`` frames) get the last decoded frame.

    Returns:
        tuple: ``(unique_imgs, inverse)``: RGB uint8 ``HxWx3`` arrays of the
        sorted unique indices, and for each requested index its position
        among them.

    Raises:
        BrokenVideoError: decoding failed or gave no frame, or the stream
            ends well before a requested frame (truncated file).
    """
    wanted, inverse = unique_frame_inds(frame_inds)
    if multi_thread:
        container.streams.video[0].thread_type = 'AUTO'
    try:
        if mode == 'efficient':
            found = _decode_keyframes(container, wanted)
            last_decoded = max(found, default=-1)
        else:
            try:
                found, last_decoded = _decode_seeking(container, wanted)
            except _SeekUnreliable:
                found, last_decoded = _decode_sequential(container, wanted)
    except _av_errors() as error:
        raise BrokenVideoError(filename, f'PyAV cannot decode it: {error}') from error
    finally:
        container.close()
    if not found:
        raise BrokenVideoError(filename, 'no frame could be decoded')
    if int(wanted[-1]) - last_decoded > MAX_MISSING_TAIL:
        raise BrokenVideoError(
            filename, f'truncated: frame {wanted[-1]} requested, the stream ends at {last_decoded}'
        )
    imgs, last = [], None
    for number in wanted.tolist():
        if number in found:
            last = found[number]
        imgs.append(last if last is not None else found[min(found)])
    return imgs, inverse


@TRANSFORMS.register_module()
class PyAVInit(BaseTransform):
    """Open a video with PyAV.

    Required keys: ``filename``. Added keys: ``video_reader`` (the open
    container), ``total_frames``.

    Args:
        io_backend (str): Where the video is stored (``'disk'`` or an
            mmengine file backend name). Defaults to ``'disk'``.
        **kwargs: Arguments of the file backend.
    """

    def __init__(self, io_backend: str = 'disk', **kwargs) -> None:
        self.io_backend = io_backend
        self.kwargs = kwargs

    def transform(self, results: dict) -> dict:
        """Open ``results['filename']``; raise ``BrokenVideoError`` if unreadable."""
        filename = results['filename']
        source = open_video_source(filename, self.io_backend, **self.kwargs)
        results['video_reader'], results['total_frames'] = pyav_open(source, filename)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(io_backend={self.io_backend})'


@TRANSFORMS.register_module()
class PyAVDecode(BaseTransform):
    """Decode the sampled frames of a video opened by :class:`PyAVInit`.

    Required keys: ``video_reader``, ``frame_inds``, ``filename``. Added or
    changed keys: ``imgs`` (list of ``HxWx3`` uint8 RGB arrays, one per
    index), ``original_shape``, ``img_shape``, ``video_reader`` (set to None,
    the container is closed).

    Args:
        multi_thread (bool): Let FFmpeg decode with several threads.
            Defaults to False.
        mode (str): ``'accurate'`` (exact frames) or ``'efficient'`` (the key
            frame at or before each index: faster, frames may repeat).
            Defaults to ``'accurate'``.
    """

    def __init__(self, multi_thread: bool = False, mode: str = 'accurate') -> None:
        if mode not in ('accurate', 'efficient'):
            raise ValueError(f"mode must be 'accurate' or 'efficient', got {mode!r}")
        self.multi_thread = multi_thread
        self.mode = mode

    def transform(self, results: dict) -> dict:
        """Decode ``results['frame_inds']`` into ``results['imgs']``."""
        filename = results.get('filename', '<video>')
        frame_inds = np.asarray(results['frame_inds']).reshape(-1)
        if 'total_frames' in results:
            check_frame_inds(frame_inds, results['total_frames'], filename)
        imgs, inverse = pyav_decode(
            results['video_reader'], frame_inds, filename, self.mode, self.multi_thread
        )
        return store_frames(results, imgs, inverse)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(multi_thread={self.multi_thread}, mode={self.mode})'
