"""Video decoding for MMAction2's ``DecordInit`` and ``DecordDecode`` configs.

By default (``backend='pyav'``) the video is decoded by
:class:`~.pyav_reader.PyAVReader`, which gives the frames decord gives, bit
for bit, with less work: decord decodes every frame from the key frame before
a sampled one, while the reader skips the non-reference frames that are not
sampled and opens a video without decoding any. ``backend='decord'`` uses
decord's ``VideoReader``; where decord is not installed it falls back to
PyAV (logged once per process).

decord, PyAV (and OpenCV) return bit-identical frames for the same indices:
all decode with FFmpeg and convert YUV 4:2:0 to RGB with libswscale's default
BT.601 matrix, so no tolerance is needed (``tests/datasets/test_decoders.py``
checks it).

A video with a rotation flag comes out upright from both backends: with
``backend='decord'`` such a video is decoded by PyAV, whose frames are
turned after decoding (:mod:`.video_rotation`); a sample with
``autorotate=False`` keeps the frames as stored.
"""

import logging
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from ..exceptions import BrokenVideoError
from .pyav_decode import pyav_read_frames
from .pyav_reader import PyAVReader
from .video_io import (
    check_decode_mode,
    check_io_backend,
    decode_sampled,
    decoder_threads,
    open_video_source,
)
from .video_rotation import flag_turns

BACKENDS = ('pyav', 'decord')

_DECORD_MODULE = None
_DECORD_CHECKED = False


def import_decord() -> Optional[object]:
    """The decord module, or None (logging the PyAV fallback once) if missing."""
    global _DECORD_MODULE, _DECORD_CHECKED
    if not _DECORD_CHECKED:
        _DECORD_CHECKED = True
        try:
            import decord
        except ImportError as error:
            from mmengine.logging import print_log

            print_log(
                f"decord is not available ({error}); DecordInit(backend='decord') uses PyAV",
                logger='current',
                level=logging.WARNING,
            )
        else:
            _DECORD_MODULE = decord
    return _DECORD_MODULE


def _decord_errors(decord) -> tuple:
    return (decord.DECORDError, RuntimeError, OSError, ValueError)


def _decord_read(reader, wanted: np.ndarray, mode: str, filename: str) -> list:
    """The frames ``wanted`` (sorted, unique) from a decord ``VideoReader``."""
    decord = import_decord()
    try:
        if mode == 'accurate':
            # One frame per call: a batch holds every frame twice (decord's array and
            # the numpy copy), 0.8 GB for a 4K clip of 8 frames, and is no faster.
            return [reader.get_batch([index]).asnumpy()[0] for index in wanted.tolist()]
        imgs = []
        for index in wanted.tolist():
            reader.seek(index)
            imgs.append(reader.next().asnumpy())
        return imgs
    except _decord_errors(decord) as error:
        raise BrokenVideoError(filename, f'decord cannot decode it: {error}') from error


@TRANSFORMS.register_module()
class DecordInit(BaseTransform):
    """Open a video for :class:`DecordDecode`.

    Required keys: ``filename``; optional: ``autorotate`` (False keeps the
    frames of a flagged video as stored). Added keys: ``video_reader``,
    ``total_frames``, ``avg_fps`` (the stream's average frame rate, as
    MMAction2 1.x adds it for ``SampleFrames(target_fps=...)``; left out
    when the container gives none).

    Args:
        io_backend (str): Where the video is stored (``'disk'`` or an
            mmengine file backend name). Defaults to ``'disk'``.
        num_threads (int, optional): Decoder threads (0: the library
            chooses); None gives each data-loader worker its share of the
            process's cores (MMAction2 1.x: 1; the frames are the same whatever
            the count). Defaults to None.
        backend (str): ``'pyav'`` (:class:`PyAVReader`, exact and faster) or
            ``'decord'`` (decord's ``VideoReader``). Defaults to ``'pyav'``.
        **kwargs: Arguments of the file backend (none for ``'disk'``).
    """

    def __init__(
        self,
        io_backend: str = 'disk',
        num_threads: Optional[int] = None,
        backend: str = 'pyav',
        **kwargs,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f'DecordInit: backend must be one of {BACKENDS}, got {backend!r}')
        check_io_backend('DecordInit', io_backend, kwargs)
        self.io_backend = io_backend
        self.num_threads = num_threads
        self.backend = backend
        self.kwargs = kwargs
        # filename -> quarter turns of its rotation flag: read once per file and
        # worker (it costs an open and one decoded frame), not once per sample.
        self._turns: dict = {}

    def _flag_turns(self, filename, source) -> int:
        if not isinstance(filename, str):
            return flag_turns(source)
        if filename not in self._turns:
            if len(self._turns) >= 100_000:  # bounded, for endless streams of new files
                self._turns.clear()
            self._turns[filename] = flag_turns(source)
        return self._turns[filename]

    def transform(self, results: dict) -> dict:
        """Open ``results['filename']``; raise ``BrokenVideoError`` if unreadable."""
        filename = results['filename']
        source = open_video_source(filename, self.io_backend, **self.kwargs)
        threads = decoder_threads(self.num_threads)
        decord = import_decord() if self.backend == 'decord' else None
        autorotate = results.get('autorotate', True)
        # decord's own turning of flagged videos is unreliable: PyAV decodes those.
        if decord is None or self._flag_turns(filename, source):
            reader = PyAVReader(source, filename, threads, autorotate)
            results['video_reader'], results['total_frames'] = reader, reader.total_frames
            if reader.avg_fps is not None:
                results['avg_fps'] = reader.avg_fps
            return results
        try:
            reader = decord.VideoReader(source, num_threads=threads)
            total_frames = len(reader)
        except _decord_errors(decord) as error:
            raise BrokenVideoError(filename, f'decord cannot open it: {error}') from error
        if total_frames <= 0:
            raise BrokenVideoError(filename, 'no video frames')
        results['video_reader'] = reader
        results['total_frames'] = total_frames
        results['avg_fps'] = reader.get_avg_fps()
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(io_backend={self.io_backend}, '
            f'num_threads={self.num_threads}, backend={self.backend})'
        )


@TRANSFORMS.register_module()
class DecordDecode(BaseTransform):
    """Decode the sampled frames of a video opened by :class:`DecordInit`.

    Each distinct index is decoded once, in increasing order. Required keys:
    ``video_reader``, ``frame_inds``, ``filename``. Added or changed keys:
    ``imgs`` (list of ``HxWx3`` uint8 RGB arrays, one per index),
    ``original_shape``, ``img_shape``, ``video_reader`` (None).

    Args:
        mode (str): ``'accurate'`` (exact frames) or ``'efficient'`` (the key
            frame at or before each index). Defaults to ``'accurate'``.
    """

    def __init__(self, mode: str = 'accurate') -> None:
        self.mode = check_decode_mode(mode)

    def transform(self, results: dict) -> dict:
        """Decode ``results['frame_inds']`` into ``results['imgs']``."""
        reader = results['video_reader']
        if isinstance(reader, PyAVReader):
            return pyav_read_frames(results, self.mode)
        filename = results.get('filename', '<video>')
        return decode_sampled(
            results,
            len(reader),
            filename,
            lambda wanted: _decord_read(reader, wanted, self.mode, filename),
        )

    def __repr__(self) -> str:
        return f'{type(self).__name__}(mode={self.mode})'
