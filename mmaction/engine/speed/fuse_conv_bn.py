"""Fold inference-mode BatchNorm layers into the convolutions before them."""

import torch
import torch.nn as nn

_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def fold_bn_into_conv(conv: nn.Conv1d, bn: nn.modules.batchnorm._BatchNorm) -> nn.Module:
    """Return ``conv`` with weights changed so that ``conv(x) == bn(conv(x))`` in eval mode.

    BN in eval mode is the affine map ``y = (x - mean) * g / sqrt(var + eps) + b``
    per output channel, which the convolution can absorb by scaling its
    kernel and adding to its bias.
    """
    scale = torch.rsqrt(bn.running_var + bn.eps)
    if bn.affine:
        scale = scale * bn.weight
    shift = -bn.running_mean * scale
    if bn.affine:
        shift = shift + bn.bias
    with torch.no_grad():
        shape = (-1,) + (1,) * (conv.weight.dim() - 1)
        conv.weight.mul_(scale.reshape(shape))
        bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        new_bias = bias * scale + shift
        conv.bias = nn.Parameter(new_bias.detach().clone())
    return conv


def fuse_conv_bn(module: nn.Module) -> nn.Module:
    """Fold every BatchNorm that directly follows a convolution into it, in place.

    Like 0.x ``--fuse-conv-bn``: among the children of each module, a
    BatchNorm registered right after a convolution with the same number of
    channels is folded into it and replaced by ``nn.Identity``. Use on a
    model in eval mode only (the folded layer keeps no batch statistics).

    Args:
        module: The model.

    Returns:
        The same module, fused.
    """
    last_conv_name = None
    last_conv = None
    for name, child in module.named_children():
        if isinstance(child, _NORMS) and last_conv is not None:
            if (
                child.track_running_stats
                and child.running_mean is not None
                and child.num_features == last_conv.out_channels
            ):
                setattr(module, last_conv_name, fold_bn_into_conv(last_conv, child))
                setattr(module, name, nn.Identity())
            last_conv = None
        elif isinstance(child, _CONVS):
            last_conv_name, last_conv = name, child
        else:
            fuse_conv_bn(child)
            last_conv = None
    return module
