"""Grad-CAM: where in the frames the model looks for a class.

Captum's :class:`~captum.attr.LayerGradCam` does the attribution (the
gradient of the class score with respect to a layer's output, averaged per
channel over all its positions, as weights of that output's channels; ReLU
of the weighted sum). This module feeds it the batch that the inference API
scores (the config's test pipeline, every view) and turns its coarse maps
into one heat map per sampled frame. Works for 3D models (a map per view
over time and space) and 2D models (a map per frame), with the PyTorch
backend only: it needs gradients.
"""

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mmaction.datasets import action_collate
from mmaction.utils.errors import ConfigError, missing_package

from .backends import require_pytorch
from .inference import LabelMap, TopK, _check_predicts_scores, class_names
from .inference_pipeline import InferenceDataset
from .video_source import describe_input

INSTALL_CAPTUM = 'pip install captum (or pip install -e ".[demo]")'


@dataclass
class GradCAMResult:
    """The heat maps of one video.

    Attributes:
        video: The video's path or array name.
        target: The class explained, with its score (the scores of
            :func:`~mmaction.apis.inference_recognizer`).
        layer: The module whose output was attributed.
        frames: ``(V, T, H, W, 3)`` uint8 RGB: the frames the model saw
            (after the test pipeline, before normalization), ``V`` views
            (clips x crops) of ``T`` frames.
        heat: ``(V, T, H, W)`` float32 in [0, 1] (one scale for the whole
            video): the Grad-CAM map, upsampled to the frames.
    """

    video: str
    target: TopK
    layer: str
    frames: np.ndarray
    heat: np.ndarray


def default_target_layer(model: nn.Module) -> str:
    """The last stage of the backbone that the model uses, e.g. ``backbone.layer4``.

    Raises:
        ConfigError: The backbone has no ResNet-style stages (``res_layers``).
    """
    stages = list(getattr(model.backbone, 'res_layers', None) or [])
    if not stages:
        raise ConfigError(
            f'{type(model.backbone).__name__} has no stages (res_layers) to pick the last of: '
            'give the layer, e.g. --target-layer-name backbone.layer4'
        )
    out_indices = getattr(model.backbone, 'out_indices', None)
    last = max(out_indices) if out_indices else len(stages) - 1
    return f'backbone.{stages[min(last, len(stages) - 1)]}'


def _layer(model: nn.Module, name: str) -> nn.Module:
    try:
        return model.get_submodule(name)
    except AttributeError:
        stages = ', '.join(f'backbone.{s}' for s in getattr(model.backbone, 'res_layers', []))
        raise ConfigError(
            f'target layer {name!r}: the model has no such module (dotted names such as '
            f'{stages or "backbone.layer4"})'
        ) from None


@contextlib.contextmanager
def _whole_batch(model: nn.Module) -> Iterator[None]:
    """All views in one pass: Captum records one output of the layer per forward pass."""
    chunk = getattr(model, 'max_testing_views', None)
    model.max_testing_views = None
    try:
        yield
    finally:
        model.max_testing_views = chunk


def _class_scores(model: nn.Module, batch_size: int):
    """Raw class scores per video, views averaged: what Grad-CAM differentiates."""

    def forward(imgs: torch.Tensor) -> torch.Tensor:
        scores = model(imgs, mode='tensor')
        return scores.reshape(batch_size, -1, scores.shape[-1]).mean(dim=1)

    return forward


def _frames_per_view(cfg: Any, imgs: torch.Tensor) -> int:
    if imgs.dim() == 6:  # (N, V, C, T, H, W)
        return imgs.shape[3]
    samplers = [s for s in cfg['data']['test']['pipeline'] if s['type'].endswith('SampleFrames')]
    sampler = samplers[0] if samplers else {}
    per_view = int(sampler.get('clip_len', 1)) * int(sampler.get('num_clips', 1))
    return per_view if imgs.shape[1] % per_view == 0 else imgs.shape[1]


def _display_frames(imgs: torch.Tensor, per_view: int) -> np.ndarray:
    """``(V, T, H, W, 3)`` uint8 frames of the one-video batch ``imgs`` (before normalization)."""
    from mmaction.visualization import as_rgb_uint8

    frames = imgs[0]
    if frames.dim() == 5:  # 3D: (V, C, T, H, W)
        frames = frames.permute(0, 2, 3, 4, 1)
    else:  # 2D: (V * T, C, H, W)
        frames = frames.permute(0, 2, 3, 1)
    array = frames.reshape((-1, per_view) + tuple(frames.shape[-3:])).cpu().numpy()
    return as_rgb_uint8(array)


def _upsample(attr: torch.Tensor, size: tuple, per_view: int) -> np.ndarray:
    """Captum's maps ``(V, 1, T', h, w)`` (3D) or ``(V*T, 1, h, w)`` (2D) at the frames' size."""
    attr = attr.detach().float()
    if attr.dim() == 5:
        heat = F.interpolate(attr, size=size, mode='trilinear', align_corners=False)[:, 0]
    else:
        heat = F.interpolate(attr, size=size[1:], mode='bilinear', align_corners=False)[:, 0]
        heat = heat.reshape((-1, per_view) + tuple(size[1:]))
    heat = heat.clamp(min=0).cpu().numpy()
    high = float(heat.max())
    return (heat / high if high > 0 else heat).astype(np.float32)


def _score_batch(model: nn.Module, video: Any) -> dict:
    cfg = _check_predicts_scores(model)
    dataset = InferenceDataset([describe_input(video)], cfg)
    return action_collate([dataset[0]])


def _pick_target(scores: torch.Tensor, target_class: Optional[int], names) -> TopK:
    num_classes = scores.shape[0]
    if target_class is None:
        target_class = int(torch.argmax(scores))
    elif not 0 <= target_class < num_classes:
        raise ConfigError(
            f'target class {target_class}: the model has classes 0 to {num_classes - 1}'
        )
    return TopK(target_class, float(scores[target_class]), names[target_class] if names else None)


def gradcam(
    model: nn.Module,
    video: Any,
    target_layer_name: Optional[str] = None,
    target_class: Optional[int] = None,
    label_map: LabelMap = None,
) -> GradCAMResult:
    """Grad-CAM heat maps of a video, for its best class or a given one.

    Args:
        model: A recognizer from :func:`~mmaction.apis.init_recognizer`
            (PyTorch backend).
        video: A video file, frame folder or ``(T, H, W, 3)`` uint8 frames.
        target_layer_name: Dotted module name; default: the backbone's last
            stage (:func:`default_target_layer`).
        target_class: The class to explain; default: the best-scoring one.
        label_map: A label map file or the names, to name the class.

    Returns:
        GradCAMResult: The frames of every view and their heat maps.

    Raises:
        ConfigError: No such layer or class, a model without class scores,
            or one on the ONNX Runtime backend (no gradients there).
        BrokenVideoError: The video cannot be read.
        MissingPackageError: Captum is not installed.
    """
    require_pytorch(model, 'Grad-CAM')
    try:
        from captum.attr import LayerGradCam
    except ImportError:
        raise missing_package('captum', 'Grad-CAM', INSTALL_CAPTUM) from None
    names = class_names(model, label_map)
    layer_name = target_layer_name or default_target_layer(model)
    layer = _layer(model, layer_name)
    batch = _score_batch(model, video)
    with torch.no_grad():
        target = _pick_target(model.test_step(batch)[0]['pred_score'], target_class, names)
    imgs = model.data_preprocessor(dict(batch), False)['imgs']
    per_view = _frames_per_view(model.cfg, batch['imgs'])
    with _whole_batch(model), torch.enable_grad():
        attr = LayerGradCam(_class_scores(model, imgs.shape[0]), layer).attribute(
            imgs, target=target.index, relu_attributions=True
        )
    if isinstance(attr, tuple):
        attr = attr[0]
    frames = _display_frames(batch['imgs'], per_view)
    heat = _upsample(attr, frames.shape[1:4], per_view)
    if heat.shape != frames.shape[:4]:
        raise ConfigError(
            f'target layer {layer_name!r} gives maps {tuple(attr.shape)} that do not fit the '
            f'{frames.shape[0]} views of {frames.shape[1]} frames: pick a backbone stage'
        )
    return GradCAMResult(describe_input(video).name, target, layer_name, frames, heat)


def overlay_frames(result: GradCAMResult, view: int = 0, alpha: float = 0.5) -> List[np.ndarray]:
    """The frames of one view with their heat maps blended over, in time order."""
    from mmaction.visualization import overlay_heatmap

    return list(overlay_heatmap(result.frames[view], result.heat[view], alpha))


def write_overlay(result: GradCAMResult, path: str, fps: float, alpha: float = 0.5) -> int:
    """Write the first view's overlay as ``.gif`` or ``.mp4``, the class named on it.

    Returns:
        The number of frames written.
    """
    from .annotated_video import label_lines, write_labelled_video

    lines = label_lines([result.target]) + [f'Grad-CAM {result.layer}']
    return write_labelled_video(overlay_frames(result, 0, alpha), path, lines, fps, 0.4)
