"""Video decoding with OpenCV: ``OpenCVInit`` and ``OpenCVDecode``."""

import os
import os.path as osp
import tempfile
from typing import List

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from ..exceptions import BrokenVideoError
from .video_io import (
    check_frame_inds,
    check_io_backend,
    open_video_source,
    store_frames,
    unique_frame_inds,
)

# Targets this close to the reader's position are reached by grabbing frames
# rather than by an (expensive, key-frame based) seek.
MAX_GRAB_GAP = 32
# Tolerated shortfall of the stream against the header's frame count.
MAX_MISSING_TAIL = 2


@TRANSFORMS.register_module()
class OpenCVInit(BaseTransform):
    """Open a video with ``cv2.VideoCapture``.

    OpenCV turns the frames of a video with a rotation flag upright; a
    sample with ``autorotate=False`` keeps them as stored.

    Required keys: ``filename``; optional: ``autorotate``. Added keys: ``video_reader``,
    ``total_frames``, ``new_path`` (the local file read: the video itself on
    disk, a temporary copy for other backends, removed by the decoder).

    Args:
        io_backend (str): Where the video is stored. Defaults to ``'disk'``.
        **kwargs: Arguments of the file backend.
    """

    def __init__(self, io_backend: str = 'disk', **kwargs) -> None:
        check_io_backend('OpenCVInit', io_backend, kwargs)
        self.io_backend = io_backend
        self.kwargs = kwargs

    def transform(self, results: dict) -> dict:
        """Open ``results['filename']``; raise ``BrokenVideoError`` if unreadable."""
        import cv2

        filename = results['filename']
        source = open_video_source(filename, self.io_backend, **self.kwargs)
        if isinstance(source, str):
            new_path = source
        else:
            # cv2 only reads from paths: spill remote bytes to a temporary file.
            handle, new_path = tempfile.mkstemp(suffix=osp.splitext(filename)[1] or '.mp4')
            with os.fdopen(handle, 'wb') as file:
                file.write(source.getbuffer())
            results['_opencv_tmp_file'] = new_path
        reader = cv2.VideoCapture(new_path)
        if not results.get('autorotate', True):
            reader.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        total_frames = int(reader.get(cv2.CAP_PROP_FRAME_COUNT)) if reader.isOpened() else 0
        if total_frames <= 0:
            reader.release()
            raise BrokenVideoError(filename, 'OpenCV cannot open it or finds no frames')
        results['new_path'] = new_path
        results['video_reader'] = reader
        results['total_frames'] = total_frames
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(io_backend={self.io_backend})'


def _read_frames(reader, wanted: np.ndarray, filename: str) -> List[np.ndarray]:
    import cv2

    imgs: List[np.ndarray] = []
    position = 0
    last, last_number = None, -1
    for target in wanted.tolist():
        if target < position or target - position > MAX_GRAB_GAP:
            reader.set(cv2.CAP_PROP_POS_FRAMES, target)
            position = target
        while position < target and reader.grab():
            position += 1
        ok, frame = reader.read() if position == target else (False, None)
        if ok:
            last, last_number = frame, position
            position += 1
        elif target - last_number > MAX_MISSING_TAIL:
            raise BrokenVideoError(
                filename, f'truncated: frame {target} requested, the stream ends before it'
            )
        # The last frames the header counts are sometimes missing: reuse the
        # previous decoded one, as MMAction2 0.x does.
        imgs.append(last)
    return imgs


@TRANSFORMS.register_module()
class OpenCVDecode(BaseTransform):
    """Decode the sampled frames of a video opened by :class:`OpenCVInit`.

    Required keys: ``video_reader``, ``frame_inds``, ``filename``. Added or
    changed keys: ``imgs`` (list of ``HxWx3`` uint8 RGB arrays),
    ``original_shape``, ``img_shape``, ``video_reader`` (None, released).
    """

    def transform(self, results: dict) -> dict:
        """Decode ``results['frame_inds']`` into ``results['imgs']``."""
        filename = results.get('filename', '<video>')
        reader = results['video_reader']
        frame_inds = np.asarray(results['frame_inds']).reshape(-1)
        try:
            if 'total_frames' in results:
                check_frame_inds(frame_inds, results['total_frames'], filename)
            wanted, inverse = unique_frame_inds(frame_inds)
            imgs = _read_frames(reader, wanted, filename)
        finally:
            reader.release()
            tmp_file = results.pop('_opencv_tmp_file', None)
            if tmp_file is not None and osp.exists(tmp_file):
                os.remove(tmp_file)
        first = next((img for img in imgs if img is not None), None)
        if first is None:
            raise BrokenVideoError(filename, 'OpenCV decodes no frame')
        # Frames missing before the first decoded one take that one.
        imgs = [
            np.ascontiguousarray((img if img is not None else first)[..., ::-1]) for img in imgs
        ]
        return store_frames(results, imgs, inverse)
