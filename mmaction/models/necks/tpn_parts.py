"""Building blocks of the TPN neck (see :class:`mmaction.models.necks.TPN`)."""

import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model.weight_init import constant_init, normal_init, xavier_init

from mmaction.registry import MODELS

IntOr3 = Union[int, Tuple[int, int, int]]

_BN3D = dict(type='BN3d', requires_grad=True)
_RELU = dict(type='ReLU', inplace=True)
_CONV3D = dict(type='Conv3d')


class DownSample(nn.Module):
    """A 3-d convolution combined with a max pooling, in either order.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int | tuple[int]): Kernel of the conv. Defaults to ``(3, 1, 1)``.
        stride (int | tuple[int]): Stride of the conv. Defaults to ``(1, 1, 1)``.
        padding (int | tuple[int]): Padding of the conv. Defaults to ``(1, 0, 0)``.
        groups (int): Groups of the conv. Defaults to 1.
        bias (bool | str): Bias of the conv (as ``ConvModule``). Defaults to False.
        conv_cfg (dict, optional): Conv layer config; None means
            ``dict(type='Conv3d')``.
        norm_cfg (dict, optional): Norm layer config. Defaults to None.
        act_cfg (dict, optional): Activation config. Defaults to None.
        downsample_position (str): ``'before'`` pools then convolves,
            ``'after'`` convolves then pools. Defaults to ``'after'``.
        downsample_scale (int | tuple[int]): Kernel and stride of the max
            pooling (ceil mode). Defaults to ``(1, 2, 2)``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOr3 = (3, 1, 1),
        stride: IntOr3 = (1, 1, 1),
        padding: IntOr3 = (1, 0, 0),
        groups: int = 1,
        bias: Union[bool, str] = False,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
        downsample_position: str = 'after',
        downsample_scale: IntOr3 = (1, 2, 2),
    ) -> None:
        super().__init__()
        if downsample_position not in ('before', 'after'):
            raise ValueError(
                "DownSample: downsample_position must be 'before' or 'after', "
                f'got {downsample_position!r}'
            )
        self.conv = ConvModule(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            groups=groups,
            bias=bias,
            conv_cfg=conv_cfg or _CONV3D,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
        )
        self.downsample_position = downsample_position
        self.pool = nn.MaxPool3d(downsample_scale, downsample_scale, 0, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pool and convolve ``x`` in the configured order."""
        if self.downsample_position == 'before':
            return self.conv(self.pool(x))
        return self.pool(self.conv(x))


class LevelFusion(nn.Module):
    """Fuse the pyramid levels into one feature map.

    Every level goes through its own pool + grouped 1x1x1 conv (BN, ReLU), the
    results are concatenated over channels and mixed by a 1x1x1 conv.

    Args:
        in_channels (tuple[int]): Channels of each level.
        mid_channels (tuple[int]): Channels of each level after its conv.
        out_channels (int): Output channels.
        downsample_scales (tuple): Pooling scale of each level.
            Defaults to ``((1, 1, 1), (1, 1, 1))``.
    """

    def __init__(
        self,
        in_channels: Sequence[int],
        mid_channels: Sequence[int],
        out_channels: int,
        downsample_scales: Sequence[IntOr3] = ((1, 1, 1), (1, 1, 1)),
    ) -> None:
        super().__init__()
        if not len(in_channels) == len(mid_channels) <= len(downsample_scales):
            raise ValueError(
                'LevelFusion: in_channels, mid_channels and downsample_scales need one entry '
                f'per level, got {in_channels}, {mid_channels}, {downsample_scales}'
            )
        self.downsamples = nn.ModuleList(
            DownSample(
                in_ch,
                mid_ch,
                kernel_size=(1, 1, 1),
                stride=(1, 1, 1),
                padding=(0, 0, 0),
                groups=32,
                bias=False,
                norm_cfg=_BN3D,
                act_cfg=_RELU,
                downsample_position='before',
                downsample_scale=scale,
            )
            for in_ch, mid_ch, scale in zip(in_channels, mid_channels, downsample_scales)
        )
        self.fusion_conv = ConvModule(
            sum(mid_channels),
            out_channels,
            1,
            stride=1,
            padding=0,
            bias=False,
            conv_cfg=_CONV3D,
            norm_cfg=_BN3D,
            act_cfg=_RELU,
        )

    def forward(self, x: Sequence[torch.Tensor]) -> torch.Tensor:
        """Fuse the levels ``x`` (one tensor per level)."""
        out = torch.cat([down(level) for down, level in zip(self.downsamples, x)], dim=1)
        return self.fusion_conv(out)


class SpatialModulation(nn.Module):
    """Bring every level to the spatial size and width of the top level.

    A level with ``c`` channels gets ``log2(out_channels / c)`` strided
    (1, 3, 3) convs that each halve the map and double the channels; a level
    that already has ``out_channels`` is passed through.

    Args:
        in_channels (tuple[int]): Channels of each level.
        out_channels (int): Channels of the top level.
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int) -> None:
        super().__init__()
        self.spatial_modulation = nn.ModuleList()
        for channels in in_channels:
            num_convs = int(math.log2(out_channels // channels)) if out_channels >= channels else 0
            if num_convs < 1:
                self.spatial_modulation.append(nn.Identity())
                continue
            convs = nn.ModuleList(
                ConvModule(
                    channels * 2**i,
                    channels * 2 ** (i + 1),
                    (1, 3, 3),
                    stride=(1, 2, 2),
                    padding=(0, 1, 1),
                    bias=False,
                    conv_cfg=_CONV3D,
                    norm_cfg=_BN3D,
                    act_cfg=_RELU,
                )
                for i in range(num_convs)
            )
            self.spatial_modulation.append(convs)

    def forward(self, x: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        """Modulate each level of ``x``."""
        outs = []
        for ops, level in zip(self.spatial_modulation, x):
            if isinstance(ops, nn.ModuleList):
                for op in ops:
                    level = op(level)
            else:
                level = ops(level)
            outs.append(level)
        return outs


class AuxHead(nn.Module):
    """Auxiliary classifier on a lower level, trained with an extra loss.

    Args:
        in_channels (int): Channels of its input level.
        out_channels (int): Number of classes.
        loss_weight (float): Factor of the auxiliary loss. Defaults to 0.5.
        loss_cls (dict, optional): Config of the loss; None means
            ``dict(type='CrossEntropyLoss')``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        loss_weight: float = 0.5,
        loss_cls: Optional[dict] = None,
    ) -> None:
        super().__init__()
        self.conv = ConvModule(
            in_channels,
            in_channels * 2,
            (1, 3, 3),
            stride=(1, 2, 2),
            padding=(0, 1, 1),
            bias=False,
            conv_cfg=_CONV3D,
            norm_cfg=_BN3D,
        )
        self.avg_pool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.loss_weight = loss_weight
        self.dropout = nn.Dropout(p=0.5)
        self.fc = nn.Linear(in_channels * 2, out_channels)
        self.loss_cls = MODELS.build(loss_cls or dict(type='CrossEntropyLoss'))

    def init_weights(self) -> None:
        """Xavier-uniform convs, unit BN, normal (std 0.01) fc."""
        for m in self.modules():
            if isinstance(m, nn.Linear):
                normal_init(m, std=0.01)
            if isinstance(m, nn.Conv3d):
                xavier_init(m, distribution='uniform')
            if isinstance(m, nn.BatchNorm3d):
                constant_init(m, 1)

    def forward(
        self, x: torch.Tensor, target: Optional[torch.Tensor] = None
    ) -> Dict[str, torch.Tensor]:
        """Return ``{'loss_aux': ...}`` for a target, ``{}`` without one.

        Args:
            x (torch.Tensor): Features ``(N, C, T, H, W)``.
            target (torch.Tensor, optional): Labels ``(N,)`` (0-d for one
                sample) or soft labels ``(N, num_classes)``.
        """
        if target is None:
            return {}
        x = self.avg_pool(self.conv(x)).flatten(1)
        scores = self.fc(self.dropout(x))
        if target.dim() == 0:
            target = target.unsqueeze(0)
        return {'loss_aux': self.loss_weight * self.loss_cls(scores, target)}


class TemporalModulation(nn.Module):
    """Grouped temporal conv followed by a temporal max pooling.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        downsample_scale (int): Temporal pooling kernel and stride (ceil mode).
            Defaults to 8.
    """

    def __init__(self, in_channels: int, out_channels: int, downsample_scale: int = 8) -> None:
        super().__init__()
        self.conv = ConvModule(
            in_channels,
            out_channels,
            (3, 1, 1),
            stride=(1, 1, 1),
            padding=(1, 0, 0),
            bias=False,
            groups=32,
            conv_cfg=_CONV3D,
            act_cfg=None,
        )
        scale = (downsample_scale, 1, 1)
        self.pool = nn.MaxPool3d(scale, scale, 0, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Convolve over time, then pool over time."""
        return self.pool(self.conv(x))
