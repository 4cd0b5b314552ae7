"""Channels-last memory format for a model's convolutions (config key ``channels_last``).

Tensor-core convolutions work on channels-last data; with NCHW/NCTHW tensors
cuDNN transposes around every convolution. A model converted here keeps its
values, shapes and state-dict keys: only the strides of the convolution
weights change (``channels_last`` for 2D kernels, ``channels_last_3d`` for
3D ones; a TSM model has both, its TPN neck being 3D). Convolutions then give
channels-last outputs, and the data preprocessor (``channels_last=True``)
hands the input over in that layout too.
"""

import torch
from torch import nn

_FORMATS = {4: torch.channels_last, 5: torch.channels_last_3d}


def to_channels_last(model: nn.Module) -> int:
    """Put every 2D/3D convolution weight of ``model`` in channels-last layout, in place.

    Parameters keep their identity (an optimizer built before or after sees
    the same tensors), so this works at any time before training starts.

    Args:
        model: The model.

    Returns:
        The number of convolution weights converted.
    """
    count = 0
    for module in model.modules():
        if not isinstance(module, (nn.Conv2d, nn.Conv3d)):
            continue
        weight = module.weight
        memory_format = _FORMATS[weight.dim()]
        if not weight.is_contiguous(memory_format=memory_format):
            weight.data = weight.data.contiguous(memory_format=memory_format)
        count += 1
    return count


def is_channels_last(model: nn.Module) -> bool:
    """Whether every 2D/3D convolution weight of ``model`` is channels-last."""
    weights = [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Conv3d))]
    return bool(weights) and all(w.is_contiguous(memory_format=_FORMATS[w.dim()]) for w in weights)
