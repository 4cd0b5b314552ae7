"""The input of one video as a config's pipeline makes it, read without building any data.

The analysis tools (``benchmark.py``, ``get_flops.py``, ``bench_train.py``)
and the ONNX export need the shape of the model's input without decoding a
video: :func:`read_input_spec` reads it from the sampler, crop and
``FormatShape`` steps of the split's pipeline, in either dialect
(:func:`~mmaction.engine.config.convert.split_pipeline`).
"""

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from torch import nn

from .config.convert import split_pipeline

__all__ = ['VideoInputSpec', 'is_3d_recognizer', 'read_input_spec', 'read_test_input_spec']

# Views produced by each 0.x test-time crop transform (MultiGroupCrop: groups x crops).
_CROP_VIEWS = {'CenterCrop': 1, 'ThreeCrop': 3, 'TenCrop': 10, 'RandomCrop': 1}


def is_3d_recognizer(model: nn.Module) -> bool:
    """Whether ``model`` takes ``(N, V, C, T, H, W)`` clips (else 2D frames)."""
    from mmaction.models import Recognizer2D, Recognizer3D

    if isinstance(model, Recognizer3D):
        return True
    if isinstance(model, Recognizer2D):
        return False
    raise TypeError(f'Expected a Recognizer2D or Recognizer3D, got {type(model).__name__}')


@dataclass
class VideoInputSpec:
    """Test-time input of one video, as the test pipeline produces it.

    A view is one clip of one crop. For 3D models (``NCTHW``) a clip is
    ``clip_len`` consecutive frames and every sampled clip is a view; for
    2D models (``NCHW``) the ``num_clips`` sampled segments together make up
    one view, repeated by ``twice_sample``.

    Attributes:
        frames_per_view (int): Frames in one view.
        num_clips (int): Clip groups sampled per video (with ``twice_sample``).
        num_crops (int): Spatial crops per clip.
        height (int): Crop height.
        width (int): Crop width.
        input_format (str): ``'NCTHW'`` (3D) or ``'NCHW'`` (2D).
    """

    frames_per_view: int
    num_clips: int
    num_crops: int
    height: int
    width: int
    input_format: str

    @property
    def num_views(self) -> int:
        """int: Clips x crops."""
        return self.num_clips * self.num_crops

    def batch_shape(self, batch_size: int = 1) -> Tuple[int, ...]:
        """Shape of the collated ``imgs`` batch for ``batch_size`` videos."""
        if self.input_format == 'NCTHW':
            return (batch_size, self.num_views, 3, self.frames_per_view, self.height, self.width)
        frames = self.num_views * self.frames_per_view
        return (batch_size, frames, 3, self.height, self.width)


def _size_pair(size: Any, what: str) -> Tuple[int, int]:
    """0.x sizes are ``int`` or ``(w, h)``; return ``(h, w)``."""
    if isinstance(size, int):
        return size, size
    if isinstance(size, (tuple, list)) and len(size) == 2 and min(size) > 0:
        return int(size[1]), int(size[0])
    raise ValueError(f'Cannot read a concrete crop size from {what}={size!r}')


def read_test_input_spec(cfg: Any) -> VideoInputSpec:
    """Read the per-video test input from ``data.test.pipeline``.

    Uses the sampler's ``clip_len``, ``num_clips`` and ``twice_sample``, the
    crop transform (``CenterCrop``: 1 view, ``ThreeCrop``: 3, ``TenCrop``:
    10, ``MultiGroupCrop``: ``groups`` x 1) and its ``crop_size``, else a
    ``Resize`` to a fixed ``(w, h)``, and ``FormatShape``'s layout.

    Args:
        cfg (mmengine.Config | dict): A 0.x config.

    Returns:
        VideoInputSpec: The input of one video.
    """
    return read_input_spec(cfg, 'test')


def read_input_spec(cfg: Any, split: str) -> VideoInputSpec:
    """Read the per-video input of ``data.<split>.pipeline`` (see :func:`read_test_input_spec`).

    For ``'train'``, the size comes from the fixed-size ``Resize`` after a
    ``RandomResizedCrop`` or ``MultiScaleCrop``, or from a ``RandomCrop``.
    """
    clip_len = num_clips = num_crops = repeats = 1
    size: Optional[Tuple[int, int]] = None
    input_format = None
    for step in split_pipeline(cfg, split):
        kind = step.get('type', '')
        if 'SampleFrames' in kind:
            clip_len = int(step.get('clip_len', 1))
            num_clips = int(step.get('num_clips', 1))
            repeats = 2 if step.get('twice_sample', False) else 1
        elif kind in _CROP_VIEWS or kind == 'MultiGroupCrop':
            num_crops = _CROP_VIEWS.get(kind) or int(step.get('groups', 1))
            key = 'size' if kind == 'RandomCrop' else 'crop_size'
            size = _size_pair(step.get(key), f'{kind}.{key}')
        elif kind == 'Resize' and size is None:
            scale = step.get('scale')
            if not step.get('keep_ratio', True) and scale is not None:
                size = _size_pair(scale, 'Resize.scale')
        elif kind == 'FormatShape':
            input_format = step.get('input_format')
    if input_format not in ('NCTHW', 'NCHW'):
        raise ValueError(
            f'data.{split}.pipeline: FormatShape input_format must be NCTHW or NCHW, '
            f'got {input_format!r}'
        )
    if size is None:
        raise ValueError(
            f'data.{split}.pipeline: no crop transform and no fixed-size Resize, so the input '
            'height and width are unknown'
        )
    if input_format == 'NCTHW':
        frames_per_view, clips = clip_len, num_clips * repeats
    else:
        frames_per_view, clips = clip_len * num_clips, repeats
    return VideoInputSpec(frames_per_view, clips, num_crops, size[0], size[1], input_format)
