"""3D (inflated) ResNet backbone with MMAction2 0.x parameter names."""

from typing import Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import constant_init
from torch import nn
from torch.nn.modules.utils import _ntuple, _triple

from mmaction.registry import MODELS

from .resnet import _check_stages, _check_style, _flatten, _run_maybe_checkpointed
from .resnet_weights import (
    check_pretrained,
    freeze_module,
    init_random_weights,
    load_resnet_weights,
    norm_layers_eval,
)


class BasicBlock3d(nn.Module):
    """Two 3x3 (or 3x3x3 when inflated) convolutions with a shortcut.

    Args:
        inplanes (int): Input channels.
        planes (int): Output channels.
        spatial_stride (int): Spatial stride of the first conv. Default: 1.
        temporal_stride (int): Temporal stride of the first conv. Default: 1.
        dilation (int): Spatial dilation of the first conv. Default: 1.
        downsample (nn.Module, optional): Shortcut projection. Default: None.
        style (str): ``'pytorch'`` or ``'caffe'``; no effect for this block.
        inflate (bool): 3x3x3 kernels instead of 1x3x3. Default: True.
        inflate_style (str): Ignored by this block (accepted for uniformity).
        conv_cfg (dict): Conv config. Default: ``dict(type='Conv3d')``.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN3d')``.
        act_cfg (dict): Activation config. Default: ``dict(type='ReLU')``.
        with_cp (bool): Recompute the block in backward to save memory.
    """

    expansion = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        spatial_stride: int = 1,
        temporal_stride: int = 1,
        dilation: int = 1,
        downsample: Optional[nn.Module] = None,
        style: str = 'pytorch',
        inflate: bool = True,
        inflate_style: str = '3x1x1',
        conv_cfg: dict = dict(type='Conv3d'),  # noqa: B006
        norm_cfg: dict = dict(type='BN3d'),  # noqa: B006
        act_cfg: dict = dict(type='ReLU'),  # noqa: B006
        with_cp: bool = False,
    ):
        super().__init__()
        _check_style(style)
        self.inplanes = inplanes
        self.planes = planes
        self.spatial_stride = spatial_stride
        self.temporal_stride = temporal_stride
        self.dilation = dilation
        self.style = style
        self.inflate = inflate
        self.with_cp = with_cp
        kt, pt = (3, 1) if inflate else (1, 0)
        common = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.conv1 = ConvModule(
            inplanes,
            planes,
            (kt, 3, 3),
            stride=(temporal_stride, spatial_stride, spatial_stride),
            padding=(pt, dilation, dilation),
            dilation=(1, dilation, dilation),
            act_cfg=act_cfg,
            **common,
        )
        self.conv2 = ConvModule(
            planes,
            planes * self.expansion,
            (kt, 3, 3),
            stride=1,
            padding=(pt, 1, 1),
            act_cfg=None,
            **common,
        )
        self.downsample = downsample
        self.relu = build_activation_layer(act_cfg)

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.conv1(x))
        identity = x if self.downsample is None else self.downsample(x)
        return out + identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block to ``x`` of shape ``(N, C, T, H, W)``."""
        return self.relu(_run_maybe_checkpointed(self._residual, x, self.with_cp))


class Bottleneck3d(nn.Module):
    """1x1 - 3x3 - 1x1 bottleneck block with optional temporal inflation.

    ``inflate_style='3x1x1'`` gives the first conv a 3x1x1 kernel,
    ``'3x3x3'`` gives the middle conv a 3x3x3 kernel; without ``inflate``
    all kernels are purely spatial.

    Args:
        inplanes (int): Input channels.
        planes (int): Channels of the middle conv (output: ``planes * 4``).
        spatial_stride (int): Spatial stride. Default: 1.
        temporal_stride (int): Temporal stride. Default: 1.
        dilation (int): Spatial dilation of the middle conv. Default: 1.
        downsample (nn.Module, optional): Shortcut projection. Default: None.
        style (str): ``'pytorch'`` (strides on the middle conv) or ``'caffe'``
            (strides on the first conv). Default: ``'pytorch'``.
        inflate (bool): Use a temporal kernel. Default: True.
        inflate_style (str): ``'3x1x1'`` or ``'3x3x3'``. Default: ``'3x1x1'``.
        conv_cfg (dict): Conv config. Default: ``dict(type='Conv3d')``.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN3d')``.
        act_cfg (dict): Activation config. Default: ``dict(type='ReLU')``.
        with_cp (bool): Recompute the block in backward to save memory.
    """

    expansion = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        spatial_stride: int = 1,
        temporal_stride: int = 1,
        dilation: int = 1,
        downsample: Optional[nn.Module] = None,
        style: str = 'pytorch',
        inflate: bool = True,
        inflate_style: str = '3x1x1',
        conv_cfg: dict = dict(type='Conv3d'),  # noqa: B006
        norm_cfg: dict = dict(type='BN3d'),  # noqa: B006
        act_cfg: dict = dict(type='ReLU'),  # noqa: B006
        with_cp: bool = False,
    ):
        super().__init__()
        _check_style(style)
        if inflate_style not in ('3x1x1', '3x3x3'):
            raise ValueError(f"inflate_style must be '3x1x1' or '3x3x3', got {inflate_style!r}")
        self.inplanes = inplanes
        self.planes = planes
        self.spatial_stride = spatial_stride
        self.temporal_stride = temporal_stride
        self.dilation = dilation
        self.style = style
        self.inflate = inflate
        self.inflate_style = inflate_style
        self.with_cp = with_cp
        stride = (temporal_stride, spatial_stride, spatial_stride)
        conv1_stride, conv2_stride = (
            ((1, 1, 1), stride) if style == 'pytorch' else (stride, (1, 1, 1))
        )
        conv1_kt = 3 if inflate and inflate_style == '3x1x1' else 1
        conv2_kt = 3 if inflate and inflate_style == '3x3x3' else 1
        common = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.conv1 = ConvModule(
            inplanes,
            planes,
            (conv1_kt, 1, 1),
            stride=conv1_stride,
            padding=(conv1_kt // 2, 0, 0),
            act_cfg=act_cfg,
            **common,
        )
        self.conv2 = ConvModule(
            planes,
            planes,
            (conv2_kt, 3, 3),
            stride=conv2_stride,
            padding=(conv2_kt // 2, dilation, dilation),
            dilation=(1, dilation, dilation),
            act_cfg=act_cfg,
            **common,
        )
        self.conv3 = ConvModule(planes, planes * self.expansion, 1, act_cfg=None, **common)
        self.downsample = downsample
        self.relu = build_activation_layer(act_cfg)

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv3(self.conv2(self.conv1(x)))
        identity = x if self.downsample is None else self.downsample(x)
        return out + identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block to ``x`` of shape ``(N, C, T, H, W)``."""
        return self.relu(_run_maybe_checkpointed(self._residual, x, self.with_cp))


@MODELS.register_module()
class ResNet3d(nn.Module):
    """Inflated 3D ResNet backbone (MMAction2 0.x layout and parameter names).

    Args:
        depth (int): 18, 34, 50, 101 or 152.
        pretrained (str, optional): Checkpoint loaded by :meth:`init_weights`.
        stage_blocks (Sequence[int], optional): Blocks per stage, overriding
            the depth's. Default: None.
        pretrained2d (bool): ``pretrained`` is a 2D ResNet (torchvision or
            MMAction2 names) whose kernels are inflated. Default: True.
        in_channels (int): Input channels. Default: 3.
        num_stages (int): Residual stages, 1 to 4. Default: 4.
        base_channels (int): Stem output channels. Default: 64.
        out_indices (Sequence[int]): Stages whose outputs are returned. Default: ``(3,)``.
        spatial_strides (Sequence[int]): Per stage. Default: ``(1, 2, 2, 2)``.
        temporal_strides (Sequence[int]): Per stage. Default: ``(1, 1, 1, 1)``.
        dilations (Sequence[int]): Per stage. Default: ``(1, 1, 1, 1)``.
        conv1_kernel (Sequence[int]): Stem kernel (t, h, w). Default: ``(3, 7, 7)``.
        conv1_stride_s (int): Stem spatial stride. Default: 2.
        conv1_stride_t (int): Stem temporal stride. Default: 1.
        pool1_stride_s (int): Stem max-pool spatial stride. Default: 2.
        pool1_stride_t (int): Stem max-pool temporal stride. Default: 1.
        with_pool1 (bool): Use the stem max-pool. Default: True.
        with_pool2 (bool): Halve time (max-pool 2x1x1) after stage 1. Default: True.
        style (str): ``'pytorch'`` or ``'caffe'``. Default: ``'pytorch'``.
        frozen_stages (int): Freeze the stem (0) and stages 1..frozen_stages. Default: -1.
        inflate (Sequence[int] | int): Per stage (or per block of a stage),
            1 to use temporal kernels. Default: ``(1, 1, 1, 1)``.
        inflate_style (str): ``'3x1x1'`` or ``'3x3x3'``. Default: ``'3x1x1'``.
        conv_cfg (dict): Default: ``dict(type='Conv3d')``.
        norm_cfg (dict): Default: ``dict(type='BN3d', requires_grad=True)``.
        act_cfg (dict): Default: ``dict(type='ReLU', inplace=True)``.
        norm_eval (bool): Keep BN layers in eval mode during training. Default: False.
        with_cp (bool): Gradient checkpointing of each block. Default: False.
        non_local (Sequence[int]): Must be all zeros (not implemented).
        non_local_cfg (dict): Must be empty.
        zero_init_residual (bool): On random init, zero the last BN of each
            block so that blocks start as identities. Default: True.
    """

    arch_settings = {
        18: (BasicBlock3d, (2, 2, 2, 2)),
        34: (BasicBlock3d, (3, 4, 6, 3)),
        50: (Bottleneck3d, (3, 4, 6, 3)),
        101: (Bottleneck3d, (3, 4, 23, 3)),
        152: (Bottleneck3d, (3, 8, 36, 3)),
    }

    def __init__(
        self,
        depth: int,
        pretrained: Optional[str] = None,
        stage_blocks: Optional[Sequence[int]] = None,
        pretrained2d: bool = True,
        in_channels: int = 3,
        num_stages: int = 4,
        base_channels: int = 64,
        out_indices: Sequence[int] = (3,),
        spatial_strides: Sequence[int] = (1, 2, 2, 2),
        temporal_strides: Sequence[int] = (1, 1, 1, 1),
        dilations: Sequence[int] = (1, 1, 1, 1),
        conv1_kernel: Sequence[int] = (3, 7, 7),
        conv1_stride_s: int = 2,
        conv1_stride_t: int = 1,
        pool1_stride_s: int = 2,
        pool1_stride_t: int = 1,
        with_pool1: bool = True,
        with_pool2: bool = True,
        style: str = 'pytorch',
        frozen_stages: int = -1,
        inflate: Union[int, Sequence] = (1, 1, 1, 1),
        inflate_style: str = '3x1x1',
        conv_cfg: dict = dict(type='Conv3d'),  # noqa: B006
        norm_cfg: dict = dict(type='BN3d', requires_grad=True),  # noqa: B006
        act_cfg: dict = dict(type='ReLU', inplace=True),  # noqa: B006
        norm_eval: bool = False,
        with_cp: bool = False,
        non_local: Union[int, Sequence] = (0, 0, 0, 0),
        non_local_cfg: dict = dict(),  # noqa: B006
        zero_init_residual: bool = True,
    ):
        super().__init__()
        if depth not in self.arch_settings:
            raise KeyError(
                f'invalid depth {depth} for ResNet3d, choose from {list(self.arch_settings)}'
            )
        check_pretrained(pretrained)
        per_stage = dict(
            spatial_strides=spatial_strides, temporal_strides=temporal_strides, dilations=dilations
        )
        if stage_blocks is not None:
            per_stage['stage_blocks'] = stage_blocks
        _check_stages(num_stages, out_indices, **per_stage)
        _check_style(style)
        if inflate_style not in ('3x1x1', '3x3x3'):
            raise ValueError(f"inflate_style must be '3x1x1' or '3x3x3', got {inflate_style!r}")
        if any(_flatten(non_local)) or non_local_cfg:
            raise ValueError(
                f'{type(self).__name__}: non-local blocks are not supported '
                f'(non_local={non_local}, non_local_cfg={non_local_cfg})'
            )
        self.depth = depth
        self.pretrained = pretrained
        self.pretrained2d = pretrained2d
        self.in_channels = in_channels
        self.base_channels = base_channels
        self.num_stages = num_stages
        self.out_indices = tuple(out_indices)
        self.spatial_strides = spatial_strides
        self.temporal_strides = temporal_strides
        self.dilations = dilations
        self.conv1_kernel = _triple(conv1_kernel)
        self.conv1_stride_s = conv1_stride_s
        self.conv1_stride_t = conv1_stride_t
        self.pool1_stride_s = pool1_stride_s
        self.pool1_stride_t = pool1_stride_t
        self.with_pool1 = with_pool1
        self.with_pool2 = with_pool2
        self.style = style
        self.frozen_stages = frozen_stages
        self.stage_inflations = _ntuple(num_stages)(inflate)
        self.non_local = non_local
        self.non_local_cfg = non_local_cfg
        self.inflate_style = inflate_style
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.zero_init_residual = zero_init_residual

        self.block, default_blocks = self.arch_settings[depth]
        self.stage_blocks = tuple(stage_blocks or default_blocks[:num_stages])
        self._make_stem_layer()
        self._make_res_layers()
        self.feat_dim = self.block.expansion * base_channels * 2 ** (len(self.stage_blocks) - 1)

    def _make_res_layers(self) -> None:
        self.inplanes = self.base_channels
        self.res_layers = []
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = self.base_channels * 2**i
            res_layer = self.make_res_layer(
                self.block,
                self.inplanes,
                planes,
                num_blocks,
                spatial_stride=self.spatial_strides[i],
                temporal_stride=self.temporal_strides[i],
                dilation=self.dilations[i],
                inflate=self.stage_inflations[i],
            )
            self.inplanes = planes * self.block.expansion
            layer_name = f'layer{i + 1}'
            self.add_module(layer_name, res_layer)
            self.res_layers.append(layer_name)

    def make_res_layer(
        self,
        block: type,
        inplanes: int,
        planes: int,
        blocks: int,
        spatial_stride: int = 1,
        temporal_stride: int = 1,
        dilation: int = 1,
        inflate: Union[int, Sequence[int]] = 1,
    ) -> nn.Sequential:
        """Build one stage; style, inflate_style and the configs come from ``self``.

        Args:
            block (type): :class:`BasicBlock3d` or :class:`Bottleneck3d`.
            inplanes (int): Input channels of the stage.
            planes (int): Block width (output ``planes * block.expansion``).
            blocks (int): Number of blocks.
            spatial_stride (int): Spatial stride of the first block.
            temporal_stride (int): Temporal stride of the first block.
            dilation (int): Spatial dilation of the blocks.
            inflate (int | Sequence[int]): 1 to inflate, for all blocks or per block.

        Returns:
            nn.Sequential: The stage.
        """
        inflate = (inflate,) * blocks if isinstance(inflate, int) else tuple(inflate)
        if len(inflate) != blocks:
            raise ValueError(f'inflate {inflate} must have one entry per block ({blocks})')
        out_channels = planes * block.expansion
        downsample = None
        if spatial_stride != 1 or temporal_stride != 1 or inplanes != out_channels:
            downsample = ConvModule(
                inplanes,
                out_channels,
                kernel_size=1,
                stride=(temporal_stride, spatial_stride, spatial_stride),
                bias=False,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=None,
            )
        common = dict(
            dilation=dilation,
            style=self.style,
            inflate_style=self.inflate_style,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
            with_cp=self.with_cp,
        )
        layers = [
            block(
                inplanes,
                planes,
                spatial_stride=spatial_stride,
                temporal_stride=temporal_stride,
                downsample=downsample,
                inflate=inflate[0] == 1,
                **common,
            )
        ]
        for i in range(1, blocks):
            layers.append(block(out_channels, planes, inflate=inflate[i] == 1, **common))
        return nn.Sequential(*layers)

    def _make_stem_layer(self) -> None:
        self.conv1 = ConvModule(
            self.in_channels,
            self.base_channels,
            kernel_size=self.conv1_kernel,
            stride=(self.conv1_stride_t, self.conv1_stride_s, self.conv1_stride_s),
            padding=tuple((k - 1) // 2 for k in self.conv1_kernel),
            bias=False,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
        )
        self.maxpool = nn.MaxPool3d(
            kernel_size=(1, 3, 3),
            stride=(self.pool1_stride_t, self.pool1_stride_s, self.pool1_stride_s),
            padding=(0, 1, 1),
        )
        self.pool2 = nn.MaxPool3d(kernel_size=(2, 1, 1), stride=(2, 1, 1))

    def init_weights(self, pretrained: Optional[str] = None) -> None:
        """Load the pretrained weights or initialise randomly.

        Args:
            pretrained (str, optional): Replaces ``self.pretrained`` when given.
        """
        if pretrained:
            self.pretrained = pretrained
        check_pretrained(self.pretrained)
        if self.pretrained is not None:
            load_resnet_weights(self, self.pretrained, allow_inflate=self.pretrained2d)
            return
        init_random_weights(self, (nn.Conv3d,))
        if self.zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck3d):
                    constant_init(m.conv3.bn, 0)
                elif isinstance(m, BasicBlock3d):
                    constant_init(m.conv2.bn, 0)

    def forward(self, x: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """Extract features from ``x`` of shape ``(N, C, T, H, W)``.

        Returns:
            Tensor | tuple[Tensor]: The output of the single stage in
            ``out_indices``, or a tuple of them when there are several.
        """
        x = self.conv1(x)
        if self.with_pool1:
            x = self.maxpool(x)
        outs = []
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if i == 0 and self.with_pool2:
                x = self.pool2(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            freeze_module(self.conv1)
        for i in range(1, self.frozen_stages + 1):
            freeze_module(getattr(self, f'layer{i}'))

    def train(self, mode: bool = True) -> 'ResNet3d':
        """Set train/eval mode, keeping frozen stages and (optionally) BN layers in eval."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            norm_layers_eval(self)
        return self
