"""3D (inflated) ResNet backbone with MMAction2 0.x parameter names."""

from typing import Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import constant_init
from torch import nn
from torch.nn.modules.utils import _ntuple, _triple

from mmaction.registry import MODELS

from .resnet_common import (
    ResidualBlockMixin,
    ResNetStagesMixin,
    check_depth,
    check_stages,
    check_style,
    flatten,
    make_downsample,
    resnet_arch_settings,
)
from .resnet_weights import check_pretrained, init_random_weights, load_resnet_weights


def _check_inflate_style(inflate_style: str) -> None:
    if inflate_style not in ('3x1x1', '3x3x3'):
        raise ValueError(f"inflate_style must be '3x1x1' or '3x3x3', got {inflate_style!r}")


class _Block3d(ResidualBlockMixin, nn.Module):
    """Constructor shared by :class:`BasicBlock3d` and :class:`Bottleneck3d`.

    Args:
        inplanes (int): Input channels.
        planes (int): Block width; the output has ``planes * expansion`` channels.
        spatial_stride (int): Spatial stride of the block. Default: 1.
        temporal_stride (int): Temporal stride of the block. Default: 1.
        dilation (int): Spatial dilation of the block's 3x3 conv. Default: 1.
        downsample (nn.Module, optional): Shortcut projection. Default: None.
        style (str): ``'pytorch'`` or ``'caffe'``: which conv of a bottleneck
            takes the strides. Default: ``'pytorch'``.
        inflate (bool): Use temporal kernels. Default: True.
        inflate_style (str): ``'3x1x1'`` or ``'3x3x3'``: which conv of a
            bottleneck is inflated. Default: ``'3x1x1'``.
        conv_cfg (dict): Conv config. Default: ``dict(type='Conv3d')``.
        norm_cfg (dict): Norm config. Default: ``dict(type='BN3d')``.
        act_cfg (dict): Activation config. Default: ``dict(type='ReLU')``.
        with_cp (bool): Recompute the block in backward to save memory.
    """

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
        check_style(style)
        self.inplanes = inplanes
        self.planes = planes
        self.spatial_stride = spatial_stride
        self.temporal_stride = temporal_stride
        self.dilation = dilation
        self.style = style
        self.inflate = inflate
        self.with_cp = with_cp
        common = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self._make_convs(inflate_style, act_cfg, common)
        self.downsample = downsample
        self.relu = build_activation_layer(act_cfg)

    def _make_convs(self, inflate_style: str, act_cfg: dict, common: dict) -> None:
        # ``common``: the ConvModule arguments every conv of the block shares;
        # the other settings are attributes of ``self`` by now.
        raise NotImplementedError


class BasicBlock3d(_Block3d):
    """Two 3x3 (or 3x3x3 when inflated) convolutions with a shortcut.

    The strides and dilation apply to the first conv; ``style`` and
    ``inflate_style`` have no effect. The constructor arguments are
    described in :class:`_Block3d`.
    """

    expansion = 1

    def _make_convs(self, inflate_style: str, act_cfg: dict, common: dict) -> None:
        kt, pt = (3, 1) if self.inflate else (1, 0)
        dilation = self.dilation
        self.conv1 = ConvModule(
            self.inplanes,
            self.planes,
            (kt, 3, 3),
            stride=(self.temporal_stride, self.spatial_stride, self.spatial_stride),
            padding=(pt, dilation, dilation),
            dilation=(1, dilation, dilation),
            act_cfg=act_cfg,
            **common,
        )
        self.conv2 = ConvModule(
            self.planes,
            self.planes * self.expansion,
            (kt, 3, 3),
            stride=1,
            padding=(pt, 1, 1),
            act_cfg=None,
            **common,
        )

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class Bottleneck3d(_Block3d):
    """1x1 - 3x3 - 1x1 bottleneck block with optional temporal inflation.

    ``inflate_style='3x1x1'`` gives the first conv a 3x1x1 kernel,
    ``'3x3x3'`` gives the middle conv a 3x3x3 kernel; without ``inflate``
    all kernels are purely spatial. The strides go on the middle conv
    (``'pytorch'`` style) or on the first conv (``'caffe'`` style); the
    dilation applies to the middle conv. The output has ``planes * 4``
    channels. The constructor arguments are described in :class:`_Block3d`.
    """

    expansion = 4

    def _make_convs(self, inflate_style: str, act_cfg: dict, common: dict) -> None:
        _check_inflate_style(inflate_style)
        self.inflate_style = inflate_style
        planes, dilation = self.planes, self.dilation
        stride = (self.temporal_stride, self.spatial_stride, self.spatial_stride)
        conv1_stride, conv2_stride = (
            ((1, 1, 1), stride) if self.style == 'pytorch' else (stride, (1, 1, 1))
        )
        conv1_kt = 3 if self.inflate and inflate_style == '3x1x1' else 1
        conv2_kt = 3 if self.inflate and inflate_style == '3x3x3' else 1
        self.conv1 = ConvModule(
            self.inplanes,
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

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv3(self.conv2(self.conv1(x)))


@MODELS.register_module()
class ResNet3d(ResNetStagesMixin, nn.Module):
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

    arch_settings = resnet_arch_settings(BasicBlock3d, Bottleneck3d)

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
        check_depth(depth, self.arch_settings, 'ResNet3d')
        check_pretrained(pretrained)
        per_stage = dict(
            spatial_strides=spatial_strides, temporal_strides=temporal_strides, dilations=dilations
        )
        if stage_blocks is not None:
            per_stage['stage_blocks'] = stage_blocks
        check_stages(num_stages, out_indices, **per_stage)
        check_style(style)
        _check_inflate_style(inflate_style)
        if any(flatten(non_local)) or non_local_cfg:
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
        self.inplanes = base_channels
        self._add_res_layers(base_channels, self._make_stage)

    def _make_stage(self, i: int, planes: int, num_blocks: int) -> nn.Sequential:
        return self.make_res_layer(
            self.block,
            self.inplanes,
            planes,
            num_blocks,
            spatial_stride=self.spatial_strides[i],
            temporal_stride=self.temporal_strides[i],
            dilation=self.dilations[i],
            inflate=self.stage_inflations[i],
        )

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
            downsample = make_downsample(
                inplanes,
                out_channels,
                (temporal_stride, spatial_stride, spatial_stride),
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
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
        return self._forward_stages(x)

    def _after_stage(self, index: int, x: torch.Tensor) -> torch.Tensor:
        # ``pool2`` halves the time after the first stage, as in 0.x.
        return self.pool2(x) if index == 0 and self.with_pool2 else x
