"""Loading of extracted frame images: ``RawFrameDecode``."""

import os.path as osp
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from ..exceptions import BrokenVideoError
from .video_io import check_io_backend, store_frames, unique_frame_inds


def _decode_image(data: bytes, backend: str, grayscale: bool) -> np.ndarray:
    """Decode image bytes to RGB ``HxWx3`` (or ``HxW`` if grayscale) uint8, or None."""
    if backend == 'cv2':
        import cv2

        flag = cv2.IMREAD_GRAYSCALE if grayscale else cv2.IMREAD_COLOR
        img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flag)
        if img is not None and not grayscale:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        return img
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return np.asarray(image.convert('L' if grayscale else 'RGB'))
    except (UnidentifiedImageError, OSError):
        return None


@TRANSFORMS.register_module()
class RawFrameDecode(BaseTransform):
    """Load the sampled frames of a frame directory.

    Frame ``i`` is ``frame_dir/filename_tmpl.format(i + offset)`` for RGB,
    and the pair ``filename_tmpl.format('x', i + offset)``,
    ``filename_tmpl.format('y', i + offset)`` for Flow. Each distinct frame is
    read once.

    Required keys: ``frame_dir``, ``filename_tmpl``, ``frame_inds``,
    ``modality``; optional ``offset``. Added keys: ``imgs`` (RGB: one
    ``HxWx3`` uint8 RGB array per index; Flow: two ``HxW`` arrays per index,
    x then y), ``original_shape``, ``img_shape``.

    Args:
        io_backend (str): Where the frames are stored. Defaults to ``'disk'``.
        decoding_backend (str): ``'cv2'`` or ``'pillow'``. Defaults to
            ``'cv2'``.
        **kwargs: Arguments of the file backend.
    """

    def __init__(self, io_backend: str = 'disk', decoding_backend: str = 'cv2', **kwargs):
        if decoding_backend not in ('cv2', 'pillow'):
            raise ValueError(
                f"decoding_backend must be 'cv2' or 'pillow', got {decoding_backend!r}"
            )
        check_io_backend('RawFrameDecode', io_backend, kwargs)
        self.io_backend = io_backend
        self.decoding_backend = decoding_backend
        self.kwargs = kwargs

    def _read(self, path: str) -> bytes:
        try:
            if self.io_backend in ('disk', 'local'):
                with open(path, 'rb') as file:
                    return file.read()
            from mmengine import fileio

            return fileio.get(path, backend_args=dict(backend=self.io_backend, **self.kwargs))
        except (OSError, KeyError, ValueError) as error:
            raise BrokenVideoError(path, f'cannot read frame: {error}') from error

    def _load(self, path: str, grayscale: bool) -> np.ndarray:
        data = self._read(path)
        img = _decode_image(data, self.decoding_backend, grayscale) if data else None
        if img is None:
            raise BrokenVideoError(path, 'empty or corrupt frame image')
        return img

    def transform(self, results: dict) -> dict:
        """Read ``results['frame_inds']`` of ``results['frame_dir']`` into ``imgs``."""
        directory = results['frame_dir']
        tmpl = results['filename_tmpl']
        modality = results['modality']
        if modality not in ('RGB', 'Flow'):
            raise ValueError(f"RawFrameDecode supports modality 'RGB' or 'Flow', got {modality!r}")
        offset = results.get('offset', 0)
        wanted, inverse = unique_frame_inds(results['frame_inds'])
        loaded: Dict[int, list] = {}
        for index in wanted.tolist():
            if modality == 'RGB':
                path = osp.join(directory, tmpl.format(index + offset))
                loaded[index] = [self._load(path, grayscale=False)]
            else:
                loaded[index] = [
                    self._load(osp.join(directory, tmpl.format(axis, index + offset)), True)
                    for axis in ('x', 'y')
                ]
        frames = [loaded[index] for index in wanted.tolist()]
        if modality == 'RGB':
            return store_frames(results, [group[0] for group in frames], inverse, video=False)
        imgs = [img for position in inverse for img in frames[position]]
        results['imgs'] = imgs
        results['original_shape'] = imgs[0].shape[:2]
        results['img_shape'] = imgs[0].shape[:2]
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(io_backend={self.io_backend}, '
            f'decoding_backend={self.decoding_backend})'
        )
