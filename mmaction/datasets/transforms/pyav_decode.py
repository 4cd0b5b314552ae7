"""Video decoding with PyAV: ``PyAVInit`` and ``PyAVDecode``.

Both work through :class:`~.pyav_reader.PyAVReader`, which decodes only what
the sampled frames need and returns exactly the frames of a full decode.
"""

from typing import Optional

from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .pyav_reader import PyAVReader
from .video_io import (
    check_decode_mode,
    check_io_backend,
    decode_sampled,
    decoder_threads,
    open_video_source,
    usable_cores,
)


def pyav_read_frames(results: dict, mode: str = 'accurate') -> dict:
    """Decode ``results['frame_inds']`` with the ``PyAVReader`` in ``results['video_reader']``.

    Adds ``imgs`` (one ``H x W x 3`` uint8 RGB array per index, in the order
    of ``frame_inds``), ``original_shape`` and ``img_shape``; closes the
    reader and sets ``video_reader`` to None.
    """
    reader = results['video_reader']
    return decode_sampled(
        results, reader.total_frames, reader.filename, lambda wanted: reader.read(wanted, mode)
    )


@TRANSFORMS.register_module()
class PyAVInit(BaseTransform):
    """Open a video with PyAV and index its packets (see :class:`PyAVReader`).

    Required keys: ``filename``; optional: ``autorotate`` (False keeps the
    frames of a video with a rotation flag as stored). Added keys:
    ``video_reader`` (the :class:`PyAVReader`), ``total_frames``.

    Args:
        io_backend (str): Where the video is stored (``'disk'`` or an
            mmengine file backend name). Defaults to ``'disk'``.
        num_threads (int, optional): Decoder threads; None chooses the
            process's cores divided by the data loader's workers. Defaults
            to None.
        **kwargs: Arguments of the file backend.
    """

    def __init__(self, io_backend: str = 'disk', num_threads: Optional[int] = None, **kwargs):
        check_io_backend('PyAVInit', io_backend, kwargs)
        self.io_backend = io_backend
        self.num_threads = num_threads
        self.kwargs = kwargs

    def transform(self, results: dict) -> dict:
        """Open ``results['filename']``; raise ``BrokenVideoError`` if unreadable."""
        filename = results['filename']
        source = open_video_source(filename, self.io_backend, **self.kwargs)
        reader = PyAVReader(
            source, filename, decoder_threads(self.num_threads), results.get('autorotate', True)
        )
        results['video_reader'] = reader
        results['total_frames'] = reader.total_frames
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(io_backend={self.io_backend}, num_threads={self.num_threads})'
        )


@TRANSFORMS.register_module()
class PyAVDecode(BaseTransform):
    """Decode the sampled frames of a video opened by :class:`PyAVInit`.

    Required keys: ``video_reader``, ``frame_inds``. Added or changed keys:
    ``imgs`` (list of ``HxWx3`` uint8 RGB arrays, one per index),
    ``original_shape``, ``img_shape``, ``video_reader`` (set to None, the
    video is closed).

    Args:
        multi_thread (bool): Decode with as many threads as the process has
            cores, whatever ``PyAVInit`` chose. Defaults to False.
        mode (str): ``'accurate'`` (exact frames) or ``'efficient'`` (the key
            frame each index is decoded from: faster, frames repeat).
            Defaults to ``'accurate'``.
    """

    def __init__(self, multi_thread: bool = False, mode: str = 'accurate') -> None:
        self.multi_thread = multi_thread
        self.mode = check_decode_mode(mode)

    def transform(self, results: dict) -> dict:
        """Decode ``results['frame_inds']`` into ``results['imgs']``."""
        if self.multi_thread:
            results['video_reader'].num_threads = usable_cores()
        return pyav_read_frames(results, self.mode)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(multi_thread={self.multi_thread}, mode={self.mode})'
