"""Building blocks shared by the 2D (:mod:`.resnet`) and 3D (:mod:`.resnet3d`) ResNets.

The two backbones differ in their convolutions (2D or inflated 3D kernels,
one stride or a spatial and a temporal one) but not in how a residual block
runs, how the stages are registered and run, or how frozen stages and batch
norms behave in training mode: that common part lives here, once.
"""

from typing import Callable, Dict, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from torch.utils import checkpoint as cp

from .resnet_weights import freeze_module, norm_layers_eval


def run_maybe_checkpointed(fn: Callable, x: torch.Tensor, with_cp: bool) -> torch.Tensor:
    """Return ``fn(x)``, recomputing it in backward when ``with_cp`` is set.

    Args:
        fn (Callable): The function to run on ``x``.
        x (torch.Tensor): Its input.
        with_cp (bool): Whether gradient checkpointing was requested.

    Returns:
        torch.Tensor: ``fn(x)``.
    """
    # Recomputing in backward trades compute for activation memory; it is
    # only worth it (and only valid) when a graph is being built.
    if with_cp and x.requires_grad:
        return cp.checkpoint(fn, x, use_reentrant=False)
    return fn(x)


class ResidualBlockMixin:
    """``forward`` of a residual block: ``relu(branch(x) + shortcut(x))``.

    The host module defines :meth:`_branch` (the stacked convolutions) and
    has the attributes ``downsample`` (shortcut projection or None),
    ``relu`` and ``with_cp``.
    """

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self._branch(x)
        identity = x if self.downsample is None else self.downsample(x)
        return out + identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block to ``x`` (``(N, C, H, W)``, or ``(N, C, T, H, W)`` in 3D)."""
        return self.relu(run_maybe_checkpointed(self._residual, x, self.with_cp))


def make_downsample(
    inplanes: int,
    out_channels: int,
    stride: Union[int, Tuple[int, ...]],
    conv_cfg: dict,
    norm_cfg: dict,
) -> ConvModule:
    """Build the 1x1 conv + norm shortcut projection of a stage's first block.

    Args:
        inplanes (int): Input channels.
        out_channels (int): Output channels of the block.
        stride (int | tuple[int]): Stride of the block.
        conv_cfg (dict): Conv layer config (2D or 3D).
        norm_cfg (dict): Norm layer config.

    Returns:
        ConvModule: The projection, without activation.
    """
    return ConvModule(
        inplanes,
        out_channels,
        kernel_size=1,
        stride=stride,
        bias=False,
        conv_cfg=conv_cfg,
        norm_cfg=norm_cfg,
        act_cfg=None,
    )


# Blocks per stage of the standard ResNet depths; 18 and 34 use basic blocks.
_STAGE_BLOCKS = {
    18: (2, 2, 2, 2),
    34: (3, 4, 6, 3),
    50: (3, 4, 6, 3),
    101: (3, 4, 23, 3),
    152: (3, 8, 36, 3),
}


def resnet_arch_settings(basic_block: type, bottleneck: type) -> Dict[int, tuple]:
    """Map each ResNet depth to its block type and blocks per stage.

    Args:
        basic_block (type): The two-conv block, used by depths 18 and 34.
        bottleneck (type): The bottleneck block, used by depths 50, 101 and 152.

    Returns:
        dict[int, tuple]: ``{depth: (block, stage_blocks)}``.
    """
    return {
        depth: (basic_block if depth < 50 else bottleneck, blocks)
        for depth, blocks in _STAGE_BLOCKS.items()
    }


def check_depth(depth: int, arch_settings: Dict[int, tuple], name: str) -> None:
    """Raise a KeyError unless ``depth`` is one of ``arch_settings``."""
    if depth not in arch_settings:
        raise KeyError(f'invalid depth {depth} for {name}, choose from {list(arch_settings)}')


def check_style(style: str) -> None:
    """Raise a ValueError unless ``style`` is ``'pytorch'`` or ``'caffe'``."""
    if style not in ('pytorch', 'caffe'):
        raise ValueError(f"style must be 'pytorch' or 'caffe', got {style!r}")


def check_stages(num_stages: int, out_indices: Sequence[int], **per_stage: Sequence) -> None:
    """Check ``num_stages``, ``out_indices`` and the per-stage settings' lengths.

    Args:
        num_stages (int): Number of residual stages, 1 to 4.
        out_indices (Sequence[int]): Stages whose outputs are returned.
        **per_stage (Sequence): Settings with one entry per stage, by name.
    """
    if not 1 <= num_stages <= 4:
        raise ValueError(f'num_stages must be in 1..4, got {num_stages}')
    if len(out_indices) == 0 or max(out_indices) >= num_stages or min(out_indices) < 0:
        raise ValueError(f'out_indices {tuple(out_indices)} must index the {num_stages} stages')
    for name, values in per_stage.items():
        if len(values) != num_stages:
            raise ValueError(f'{name} {tuple(values)} must have one entry per stage ({num_stages})')


def flatten(values) -> list:
    """Nested per-stage / per-block flags as a flat list."""
    if isinstance(values, (list, tuple)):
        return [v for item in values for v in flatten(item)]
    return [values]


class ResNetStagesMixin:
    """Stage registration, forward and train mode shared by the ResNet backbones.

    The host module has a stem ``conv1`` and the attributes ``block``,
    ``stage_blocks``, ``out_indices``, ``frozen_stages`` and ``norm_eval``.
    """

    def _add_res_layers(self, base_channels: int, make_stage: Callable) -> None:
        """Build and register the stages as ``layer1``, ``layer2``, ...

        Stage ``i`` has width ``base_channels * 2**i``; ``self.inplanes``
        holds its input channels while ``make_stage(i, planes, num_blocks)``
        builds it. Sets ``res_layers`` (the stage names) and ``feat_dim``.
        """
        self.res_layers = []
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = base_channels * 2**i
            res_layer = make_stage(i, planes, num_blocks)
            self.inplanes = planes * self.block.expansion
            layer_name = f'layer{i + 1}'
            self.add_module(layer_name, res_layer)
            self.res_layers.append(layer_name)
        self.feat_dim = self.block.expansion * base_channels * 2 ** (len(self.stage_blocks) - 1)

    def _after_stage(self, index: int, x: torch.Tensor) -> torch.Tensor:
        # Hook for a backbone that transforms one stage's output (ResNet3d's pool2).
        return x

    def _forward_stages(self, x: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        outs = []
        for i, layer_name in enumerate(self.res_layers):
            x = self._after_stage(i, getattr(self, layer_name)(x))
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            freeze_module(self.conv1)
        for i in range(1, self.frozen_stages + 1):
            freeze_module(getattr(self, f'layer{i}'))

    def train(self, mode: bool = True):
        """Set train/eval mode, keeping frozen stages and (optionally) BN layers in eval."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            norm_layers_eval(self)
        return self
