"""2D ResNet backbone with MMAction2 0.x parameter names."""

from typing import Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.logging import print_log
from torch import nn
from torch.utils import checkpoint as cp

from mmaction.registry import MODELS

from .resnet_weights import (
    check_pretrained,
    freeze_module,
    init_random_weights,
    load_resnet_weights,
    norm_layers_eval,
)


def _run_maybe_checkpointed(fn, x: torch.Tensor, with_cp: bool) -> torch.Tensor:
    # Recomputing in backward trades compute for activation memory; it is
    # only worth it (and only valid) when a graph is being built.
    if with_cp and x.requires_grad:
        return cp.checkpoint(fn, x, use_reentrant=False)
    return fn(x)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with an identity (or projected) shortcut.

    Args:
        inplanes (int): Input channels.
        planes (int): Output channels.
        stride (int): Stride of the first conv. Default: 1.
        dilation (int): Dilation of the first conv. Default: 1.
        downsample (nn.Module, optional): Shortcut projection. Default: None.
        style (str): ``'pytorch'`` or ``'caffe'``; no effect for this block.
        conv_cfg (dict): Conv layer config. Default: ``dict(type='Conv')``.
        norm_cfg (dict): Norm layer config. Default: ``dict(type='BN')``.
        act_cfg (dict): Activation after the first conv.
        with_cp (bool): Recompute the block in backward to save memory.
    """

    expansion = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        dilation: int = 1,
        downsample: Optional[nn.Module] = None,
        style: str = 'pytorch',
        conv_cfg: dict = dict(type='Conv'),  # noqa: B006
        norm_cfg: dict = dict(type='BN', requires_grad=True),  # noqa: B006
        act_cfg: dict = dict(type='ReLU', inplace=True),  # noqa: B006
        with_cp: bool = False,
    ):
        super().__init__()
        _check_style(style)
        self.conv1 = ConvModule(
            inplanes,
            planes,
            kernel_size=3,
            stride=stride,
            padding=dilation,
            dilation=dilation,
            bias=False,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
        )
        self.conv2 = ConvModule(
            planes,
            planes,
            kernel_size=3,
            stride=1,
            padding=1,
            bias=False,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=None,
        )
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.style = style
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.conv1(x))
        identity = x if self.downsample is None else self.downsample(x)
        return out + identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block to ``x`` of shape ``(N, C, H, W)``."""
        return self.relu(_run_maybe_checkpointed(self._residual, x, self.with_cp))


class Bottleneck(nn.Module):
    """1x1 - 3x3 - 1x1 bottleneck block (output channels ``planes * 4``).

    Args:
        inplanes (int): Input channels.
        planes (int): Channels of the inner 3x3 conv.
        stride (int): Spatial stride, on the 3x3 conv (``'pytorch'`` style) or
            on the first 1x1 conv (``'caffe'`` style). Default: 1.
        dilation (int): Dilation of the 3x3 conv. Default: 1.
        downsample (nn.Module, optional): Shortcut projection. Default: None.
        style (str): ``'pytorch'`` or ``'caffe'``. Default: ``'pytorch'``.
        conv_cfg (dict): Conv layer config. Default: ``dict(type='Conv')``.
        norm_cfg (dict): Norm layer config. Default: ``dict(type='BN')``.
        act_cfg (dict): Activation after the first two convs.
        with_cp (bool): Recompute the block in backward to save memory.
    """

    expansion = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        dilation: int = 1,
        downsample: Optional[nn.Module] = None,
        style: str = 'pytorch',
        conv_cfg: dict = dict(type='Conv'),  # noqa: B006
        norm_cfg: dict = dict(type='BN', requires_grad=True),  # noqa: B006
        act_cfg: dict = dict(type='ReLU', inplace=True),  # noqa: B006
        with_cp: bool = False,
    ):
        super().__init__()
        _check_style(style)
        self.inplanes = inplanes
        self.planes = planes
        self.conv1_stride, self.conv2_stride = (1, stride) if style == 'pytorch' else (stride, 1)
        common = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.conv1 = ConvModule(
            inplanes, planes, kernel_size=1, stride=self.conv1_stride, act_cfg=act_cfg, **common
        )
        self.conv2 = ConvModule(
            planes,
            planes,
            kernel_size=3,
            stride=self.conv2_stride,
            padding=dilation,
            dilation=dilation,
            act_cfg=act_cfg,
            **common,
        )
        self.conv3 = ConvModule(
            planes, planes * self.expansion, kernel_size=1, act_cfg=None, **common
        )
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.style = style
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv3(self.conv2(self.conv1(x)))
        identity = x if self.downsample is None else self.downsample(x)
        return out + identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block to ``x`` of shape ``(N, C, H, W)``."""
        return self.relu(_run_maybe_checkpointed(self._residual, x, self.with_cp))


def _check_style(style: str) -> None:
    if style not in ('pytorch', 'caffe'):
        raise ValueError(f"style must be 'pytorch' or 'caffe', got {style!r}")


def make_res_layer(
    block: type,
    inplanes: int,
    planes: int,
    blocks: int,
    stride: int = 1,
    dilation: int = 1,
    style: str = 'pytorch',
    conv_cfg: Optional[dict] = None,
    norm_cfg: Optional[dict] = None,
    act_cfg: Optional[dict] = None,
    with_cp: bool = False,
) -> nn.Sequential:
    """Build one ResNet stage: ``blocks`` blocks, the first one strided.

    Returns:
        nn.Sequential: The stage; the first block gets a 1x1 conv + BN
        shortcut (``downsample``) when its stride or width changes.
    """
    downsample = None
    if stride != 1 or inplanes != planes * block.expansion:
        downsample = ConvModule(
            inplanes,
            planes * block.expansion,
            kernel_size=1,
            stride=stride,
            bias=False,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=None,
        )
    common = dict(
        dilation=dilation,
        style=style,
        conv_cfg=conv_cfg,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg,
        with_cp=with_cp,
    )
    layers = [block(inplanes, planes, stride, downsample=downsample, **common)]
    for _ in range(1, blocks):
        layers.append(block(planes * block.expansion, planes, 1, **common))
    return nn.Sequential(*layers)


@MODELS.register_module()
class ResNet(nn.Module):
    """2D ResNet backbone (MMAction2 0.x layout and parameter names).

    Args:
        depth (int): 18, 34, 50, 101 or 152.
        pretrained (str, optional): Checkpoint loaded by :meth:`init_weights`:
            a path, URL or ``torchvision://resnet50``. Default: None.
        torchvision_pretrain (bool): Kept for 0.x configs. Both torchvision
            and MMAction2 key names are recognised whatever its value.
            Default: True.
        in_channels (int): Input channels. Default: 3.
        num_stages (int): Number of residual stages, 1 to 4. Default: 4.
        out_indices (Sequence[int]): Stages whose outputs are returned.
            Default: ``(3,)``.
        strides (Sequence[int]): Stride of the first block of each stage.
        dilations (Sequence[int]): Dilation of each stage.
        style (str): ``'pytorch'`` (stride on the 3x3 conv) or ``'caffe'``
            (stride on the first 1x1 conv). Default: ``'pytorch'``.
        frozen_stages (int): Freeze the stem (0) and stages 1..frozen_stages;
            -1 freezes nothing. Default: -1.
        conv_cfg (dict): Conv layer config. Default: ``dict(type='Conv')``.
        norm_cfg (dict): Norm layer config.
            Default: ``dict(type='BN2d', requires_grad=True)``.
        act_cfg (dict): Activation config. Default: ``dict(type='ReLU', inplace=True)``.
        norm_eval (bool): Keep every BN layer in eval mode during training.
            Default: False.
        partial_bn (bool): Freeze all BN layers but the first during training.
            Default: False.
        with_cp (bool): Gradient checkpointing of each block. Default: False.
    """

    arch_settings = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(
        self,
        depth: int,
        pretrained: Optional[str] = None,
        torchvision_pretrain: bool = True,
        in_channels: int = 3,
        num_stages: int = 4,
        out_indices: Sequence[int] = (3,),
        strides: Sequence[int] = (1, 2, 2, 2),
        dilations: Sequence[int] = (1, 1, 1, 1),
        style: str = 'pytorch',
        frozen_stages: int = -1,
        conv_cfg: dict = dict(type='Conv'),  # noqa: B006
        norm_cfg: dict = dict(type='BN2d', requires_grad=True),  # noqa: B006
        act_cfg: dict = dict(type='ReLU', inplace=True),  # noqa: B006
        norm_eval: bool = False,
        partial_bn: bool = False,
        with_cp: bool = False,
    ):
        super().__init__()
        if depth not in self.arch_settings:
            raise KeyError(
                f'invalid depth {depth} for ResNet, choose from {list(self.arch_settings)}'
            )
        check_pretrained(pretrained)
        _check_stages(num_stages, out_indices, strides=strides, dilations=dilations)
        _check_style(style)
        self.depth = depth
        self.pretrained = pretrained
        self.torchvision_pretrain = torchvision_pretrain
        self.in_channels = in_channels
        self.num_stages = num_stages
        self.out_indices = tuple(out_indices)
        self.strides = strides
        self.dilations = dilations
        self.style = style
        self.frozen_stages = frozen_stages
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.norm_eval = norm_eval
        self.partial_bn = partial_bn
        self.with_cp = with_cp

        self.block, stage_blocks = self.arch_settings[depth]
        self.stage_blocks = stage_blocks[:num_stages]
        self.inplanes = 64
        self._make_stem_layer()
        self.res_layers = []
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = 64 * 2**i
            res_layer = make_res_layer(
                self.block,
                self.inplanes,
                planes,
                num_blocks,
                stride=strides[i],
                dilation=dilations[i],
                style=style,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg,
                with_cp=with_cp,
            )
            self.inplanes = planes * self.block.expansion
            layer_name = f'layer{i + 1}'
            self.add_module(layer_name, res_layer)
            self.res_layers.append(layer_name)
        self.feat_dim = self.block.expansion * 64 * 2 ** (len(self.stage_blocks) - 1)

    def _make_stem_layer(self) -> None:
        self.conv1 = ConvModule(
            self.in_channels,
            64,
            kernel_size=7,
            stride=2,
            padding=3,
            bias=False,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
        )
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def init_weights(self) -> None:
        """Load ``self.pretrained`` if set, else initialise randomly (Kaiming convs, unit BN)."""
        check_pretrained(self.pretrained)
        if self.pretrained is None:
            init_random_weights(self, (nn.Conv2d,))
        else:
            load_resnet_weights(self, self.pretrained, allow_inflate=False)

    def forward(self, x: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """Extract features from ``x`` of shape ``(N, C, H, W)``.

        Returns:
            Tensor | tuple[Tensor]: The output of the single stage in
            ``out_indices``, or a tuple of them when there are several.
        """
        x = self.maxpool(self.conv1(x))
        outs = []
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            freeze_module(self.conv1)
        for i in range(1, self.frozen_stages + 1):
            freeze_module(getattr(self, f'layer{i}'))

    def _partial_bn(self) -> None:
        print_log('Freezing BatchNorm2d except the first one.', logger='current')
        bns = [m for m in self.modules() if isinstance(m, nn.BatchNorm2d)]
        for m in bns[1:]:
            m.eval()
            m.weight.requires_grad = False
            m.bias.requires_grad = False

    def train(self, mode: bool = True) -> 'ResNet':
        """Set train/eval mode, keeping frozen stages and (optionally) BN layers in eval."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            norm_layers_eval(self)
        if mode and self.partial_bn:
            self._partial_bn()
        return self


def _check_stages(num_stages: int, out_indices: Sequence[int], **per_stage: Sequence) -> None:
    if not 1 <= num_stages <= 4:
        raise ValueError(f'num_stages must be in 1..4, got {num_stages}')
    if len(out_indices) == 0 or max(out_indices) >= num_stages or min(out_indices) < 0:
        raise ValueError(f'out_indices {tuple(out_indices)} must index the {num_stages} stages')
    for name, values in per_stage.items():
        if len(values) != num_stages:
            raise ValueError(f'{name} {tuple(values)} must have one entry per stage ({num_stages})')


def _flatten(values) -> list:
    # Nested per-stage / per-block flags as a flat list.
    if isinstance(values, (list, tuple)):
        return [v for item in values for v in _flatten(item)]
    return [values]
