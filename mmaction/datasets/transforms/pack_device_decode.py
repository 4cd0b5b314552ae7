"""``PackDeviceDecode``: the last step of a pipeline whose videos are decoded on the GPU."""

from typing import Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .formatting import FormatShape, to_tensor
from .fuse import Fuse

FORMATS = ('NCTHW', 'NCHW')


@TRANSFORMS.register_module()
class PackDeviceDecode(BaseTransform):
    """Pack a sample of ``TorchCodecDecode(device='cuda')`` for the main process.

    It ends a pipeline such as::

        dict(type='TorchCodecInit'),
        dict(type='SampleFrames', clip_len=8, frame_interval=8, num_clips=1),
        dict(type='TorchCodecDecode', device='cuda'),
        dict(type='RandomResizedCrop', lazy=True),
        dict(type='Resize', scale=(224, 224), keep_ratio=False, lazy=True),
        dict(type='Flip', flip_ratio=0.5, lazy=True),
        dict(type='PackDeviceDecode', input_format='NCTHW'),

    (normalization moves to the model's ``data_preprocessor``: ``mean`` and
    ``std``). The crop, resize and flip were drawn in the worker under the
    sample's seed; the sample becomes ``{'video': job, 'label': ...}``, the
    job holding the file, the frame indices, the crop window (rounded to
    whole pixels, as ``Fuse`` rounds it), the output size and the flip.
    :func:`~mmaction.datasets.device_decode.decode_video_batch` turns a
    collated batch of jobs into ``imgs`` on the GPU.

    Where the frames were decoded on the CPU (``TorchCodecDecode(device='cpu')``,
    or a video read through a file backend), it applies the recorded
    operations with :class:`Fuse` and lays the clip out as
    :class:`FormatShape` does: ``{'imgs': uint8 tensor, 'label': ...}``.

    Args:
        input_format (str): ``'NCTHW'`` (clips, 3D models) or ``'NCHW'``
            (frames, 2D models). Defaults to ``'NCTHW'``.
        keys (Sequence[str]): Other keys to pass on as tensors. Defaults to
            ``('label',)``.
    """

    def __init__(self, input_format: str = 'NCTHW', keys: Sequence[str] = ('label',)) -> None:
        if input_format not in FORMATS:
            raise ValueError(
                f'PackDeviceDecode: input_format must be one of {FORMATS}, got {input_format!r}'
            )
        self.input_format = input_format
        self.keys = tuple(keys)

    def transform(self, results: dict) -> dict:
        """The job (or, decoded on the CPU, the clip) and the ``keys``, as tensors."""
        missing = [key for key in self.keys if key not in results]
        if missing:
            raise KeyError(f'PackDeviceDecode: key(s) {missing} not in the results')
        packed = {key: to_tensor(results[key]) for key in self.keys}
        if 'imgs' in results:
            if 'lazy' in results:
                results = Fuse()(results)
            results = FormatShape(self.input_format)(results)
            packed['imgs'] = to_tensor(np.ascontiguousarray(results['imgs']))
            return packed
        if 'decode_on' not in results:
            raise ValueError(
                "PackDeviceDecode: neither frames nor a decoding job; put TorchCodecDecode(device='cuda') "
                'before it'
            )
        packed['video'] = self._job(results)
        return packed

    def _job(self, results: dict) -> dict:
        lazy = results.get('lazy')
        img_h, img_w = results['img_shape']
        if lazy is None:
            bbox = np.array([0, 0, img_w, img_h], dtype=np.int64)
            flip, direction, interpolation = False, None, None
        else:
            bbox = lazy['crop_bbox'].round().astype(np.int64)
            flip, direction = bool(lazy['flip']), lazy['flip_direction']
            interpolation = lazy['interpolation']
        if interpolation not in (None, 'bilinear'):
            raise ValueError(
                f"PackDeviceDecode: interpolation={interpolation!r}; GPU resizing is 'bilinear' only"
            )
        return dict(
            filename=results['filename'],
            frame_inds=np.asarray(results['frame_inds'], dtype=np.int64).reshape(-1),
            crop_bbox=bbox,
            out_hw=np.array([img_h, img_w], dtype=np.int64),
            flip=flip,
            vertical=direction == 'vertical',
            clip_len=int(results.get('clip_len', len(results['frame_inds']))),
            input_format=self.input_format,
            device=results['decode_on'],
        )

    def __repr__(self) -> str:
        return f'{type(self).__name__}(input_format={self.input_format!r}, keys={self.keys})'
