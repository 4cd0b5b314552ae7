"""Helpers of the analysis tools (``tools/analysis/get_flops.py``, ``benchmark.py``).

They build a recognizer from an MMAction2 0.x config without loading
pretrained weights, work out the test-time input of one video from the
config's test pipeline, and count FLOPs with PyTorch's own counter.
"""

import copy
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

import torch
from torch import nn

__all__ = [
    'VideoInputSpec',
    'build_recognizer_from_config',
    'count_flops',
    'count_parameters',
    'default_flops_input_shape',
    'flops_input_from_shape_arg',
    'is_3d_recognizer',
    'read_input_spec',
    'read_test_input_spec',
]

# Views produced by each 0.x test-time crop transform (MultiGroupCrop: groups x crops).
_CROP_VIEWS = {'CenterCrop': 1, 'ThreeCrop': 3, 'TenCrop': 10, 'RandomCrop': 1}


def build_recognizer_from_config(cfg: Any) -> nn.Module:
    """Build ``cfg.model`` with backbone ``pretrained`` cleared, in eval mode.

    Args:
        cfg (mmengine.Config | dict): A 0.x config with a ``model`` entry.

    Returns:
        nn.Module: The recognizer (weights randomly initialized).
    """
    import mmaction.models  # noqa: F401  (registers the model classes)
    from mmaction.registry import MODELS

    if 'model' not in cfg:
        raise KeyError('The config has no "model" entry')
    model_cfg = copy.deepcopy(cfg['model'])
    backbone = model_cfg.get('backbone')
    if isinstance(backbone, dict) and 'pretrained' in backbone:
        # Speed and FLOPs do not depend on the weights; never download them.
        backbone['pretrained'] = None
    for key in ('train_cfg', 'test_cfg'):
        if model_cfg.get(key) is None and cfg.get(key) is not None:
            model_cfg[key] = copy.deepcopy(cfg[key])  # 0.x top-level placement
    model = MODELS.build(model_cfg)
    return model.eval()


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


def _find_pipeline(cfg: Any, split: str) -> Sequence[dict]:
    data = cfg.get('data') or {}
    dataset = data.get(split) if isinstance(data, dict) else None
    if isinstance(dataset, dict) and dataset.get('pipeline'):
        return dataset['pipeline']
    if cfg.get(f'{split}_pipeline'):
        return cfg[f'{split}_pipeline']
    raise KeyError(f'The config has neither data.{split}.pipeline nor {split}_pipeline')


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
    for step in _find_pipeline(cfg, split):
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


def default_flops_input_shape(cfg: Any, model: nn.Module, size: int = 224) -> Tuple[int, ...]:
    """Model input used for FLOPs when ``--shape`` is not given.

    One view of one video as the config's test pipeline makes it (as
    ``benchmark.py`` reads it): ``clip_len`` frames of the test crop size for
    3D models, the sampled segments for 2D models. Without a readable test
    pipeline: one view of ``size`` x ``size``, 32 frames for 3D models and
    the backbone's ``num_segments`` (8 without one) for 2D models.
    """
    try:
        spec = read_test_input_spec(cfg)
    except (KeyError, ValueError):
        spec = None
    if is_3d_recognizer(model):
        if spec is not None:
            return (1, 1, 3, spec.frames_per_view, spec.height, spec.width)
        return (1, 1, 3, 32, size, size)
    if spec is not None:
        return (1, spec.frames_per_view, 3, spec.height, spec.width)
    num_segments = getattr(model.backbone, 'num_segments', None) or 8
    return (1, num_segments, 3, size, size)


def flops_input_from_shape_arg(shape: Sequence[int], model: nn.Module) -> Tuple[int, ...]:
    """Turn a 0.x ``get_flops.py --shape`` into a model input shape.

    As in 0.x, the given shape describes one video and a batch axis of 1 is
    put in front: ``--shape 1 3 32 224 224`` gives ``(1, 1, 3, 32, 224, 224)``
    for a 3D model, ``--shape 8 3 224 224`` gives ``(1, 8, 3, 224, 224)`` for
    a 2D one. One or two numbers are the spatial size (``s`` or ``H W``) of
    one view: 32 frames for 3D, ``num_segments`` frames (default 8) for 2D.
    """
    shape = tuple(int(s) for s in shape)
    three_d = is_3d_recognizer(model)
    if len(shape) in (1, 2):
        height, width = (shape[0], shape[0]) if len(shape) == 1 else shape
        if three_d:
            return (1, 1, 3, 32, height, width)
        frames = getattr(model.backbone, 'num_segments', None) or 8
        return (1, frames, 3, height, width)
    expected = 5 if three_d else 4
    if len(shape) != expected:
        layout = '(V, C, T, H, W)' if three_d else '(V*T, C, H, W)'
        raise ValueError(
            f'--shape {" ".join(map(str, shape))}: a {type(model).__name__} needs 1, 2 or '
            f'{expected} numbers, {layout} of one video'
        )
    return (1,) + shape


def count_parameters(model: nn.Module) -> int:
    """Number of parameters (trainable or not) of ``model``."""
    return sum(p.numel() for p in model.parameters())


def count_flops(model: nn.Module, imgs: torch.Tensor) -> Tuple[int, Dict[str, int]]:
    """Count FLOPs of ``model(imgs, mode='tensor')`` with ``FlopCounterMode``.

    PyTorch counts 2 FLOPs per multiply-accumulate of convolutions, matrix
    products and attention; element-wise ops (BN, ReLU, pooling, additions)
    are not counted.

    Args:
        model (nn.Module): A recognizer in eval mode.
        imgs (torch.Tensor): Its input batch.

    Returns:
        tuple[int, dict[str, int]]: Total FLOPs and FLOPs per operator.
    """
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(imgs, mode='tensor')
    per_op = {str(op): int(n) for op, n in counter.get_flop_counts().get('Global', {}).items()}
    return int(counter.get_total_flops()), per_op
