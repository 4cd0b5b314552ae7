"""FLOPs and parameters of a recognizer (``tools/analysis/get_flops.py``).

The model is built by the engine's model builder from the config's
test-time model (``pretrained`` cleared: the count does not depend on the
weights, which are never downloaded), and counted with PyTorch's own
``FlopCounterMode`` on one view of one video as the config's test pipeline
makes it, or on a ``--shape`` given as in MMAction2 0.x.
"""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn

from mmaction.engine.config.convert import model_cfg_for_testing
from mmaction.engine.input_spec import is_3d_recognizer, read_test_input_spec
from mmaction.engine.model_builder import build_model

__all__ = [
    'FlopsReport',
    'count_flops',
    'count_parameters',
    'default_flops_input_shape',
    'flops_input_from_shape_arg',
    'format_flops_report',
    'model_flops',
]


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


@dataclass
class FlopsReport:
    """What :func:`model_flops` counted.

    Attributes:
        model_name: The recognizer's class name.
        input_shape: The batch of one video the model ran on.
        flops: FLOPs (2 per multiply-accumulate).
        per_op: FLOPs per operator type.
        params: Parameters of the model.
    """

    model_name: str
    input_shape: Tuple[int, ...]
    flops: int
    per_op: Dict[str, int]
    params: int

    @property
    def macs(self) -> float:
        """float: Multiply-accumulates, what MMAction2 0.x printed as "Flops"."""
        return self.flops / 2


def model_flops(
    cfg: Any, shape: Optional[Sequence[int]] = None, device: str = 'cpu'
) -> FlopsReport:
    """Count the FLOPs and parameters of a config's recognizer.

    Args:
        cfg: A MMAction2 0.x config (``model`` and, without ``shape``, a
            test pipeline).
        shape: ``get_flops.py --shape`` (see :func:`flops_input_from_shape_arg`);
            None takes one view of the test pipeline
            (:func:`default_flops_input_shape`).
        device: Where the model runs for the count.

    Returns:
        The counts.
    """
    model = build_model(model_cfg_for_testing(cfg), device=device)
    if shape:
        input_shape = flops_input_from_shape_arg(shape, model)
    else:
        input_shape = default_flops_input_shape(cfg, model)
    flops, per_op = count_flops(model, torch.randn(input_shape, device=device))
    return FlopsReport(type(model).__name__, input_shape, flops, per_op, count_parameters(model))


def format_flops_report(report: FlopsReport, config_path: str, per_op: bool = False) -> List[str]:
    """The lines ``get_flops.py`` prints (with ``per_op``: one per operator type too)."""
    line = '=' * 60
    lines = [
        line,
        f'Model: {report.model_name} ({config_path})',
        f'Input shape: {tuple(report.input_shape)}  (batch of 1 video)',
        f'FLOPs: {report.flops / 1e9:.2f} GFLOPs  (2 per multiply-accumulate, FlopCounterMode)',
        f'MACs:  {report.macs / 1e9:.2f} GMACs  (what MMAction2 0.x printed as "Flops: ... GMac")',
        f'Params: {report.params / 1e6:.2f} M',
        line,
    ]
    if per_op:
        for op, count in sorted(report.per_op.items(), key=lambda item: -item[1]):
            lines.append(f'  {op:<40s} {count / 1e9:10.3f} GFLOPs')
    lines.append(
        'Only convolutions, matrix products and attention are counted; element-wise '
        'ops (BN, activations, pooling) are not.'
    )
    return lines
