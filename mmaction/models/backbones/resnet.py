"""2D ResNet backbone with MMAction2 0.x parameter names."""

from typing import Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.logging import print_log
from torch import nn

from mmaction.registry import MODELS

from .resnet_common import (
    ResidualBlockMixin,
    ResNetStagesMixin,
    check_depth,
    check_stages,
    check_style,
    make_downsample,
    resnet_arch_settings,
)
from .resnet_weights import check_pretrained, init_random_weights, load_resnet_weights


class _Block2d(ResidualBlockMixin, nn.Module):
    """Constructor shared by :class:`BasicBlock` and :class:`Bottleneck`.

    Args:
        inplanes (int): Input channels.
        planes (int): Block width; the output has ``planes * expansion`` channels.
        stride (int): Spatial stride of the block. Default: 1.
        dilation (int): Dilation of the block's 3x3 conv. Default: 1.
        downsample (nn.Module, optional): Shortcut projection. Default: None.
        style (str): ``'pytorch'`` or ``'caffe'``: which conv of a bottleneck
            takes the stride. Default: ``'pytorch'``.
        conv_cfg (dict): Conv layer config. Default: ``dict(type='Conv')``.
        norm_cfg (dict): Norm layer config. Default: ``dict(type='BN')``.
        act_cfg (dict): Activation after all but the last conv.
        with_cp (bool): Recompute the block in backward to save memory.
    """

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
        check_style(style)
        common = dict(bias=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self._make_convs(inplanes, planes, stride, dilation, style, act_cfg, common)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.style = style
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp

    def _make_convs(
        self,
        inplanes: int,
        planes: int,
        stride: int,
        dilation: int,
        style: str,
        act_cfg: dict,
        common: dict,
    ) -> None:
        # ``common``: the ConvModule arguments every conv of the block shares.
        raise NotImplementedError


class BasicBlock(_Block2d):
    """Two 3x3 convolutions with an identity (or projected) shortcut.

    The stride and dilation apply to the first conv; ``style`` has no effect.
    The constructor arguments are described in :class:`_Block2d`.
    """

    expansion = 1

    def _make_convs(self, inplanes, planes, stride, dilation, style, act_cfg, common) -> None:
        self.conv1 = ConvModule(
            inplanes,
            planes,
            kernel_size=3,
            stride=stride,
            padding=dilation,
            dilation=dilation,
            act_cfg=act_cfg,
            **common,
        )
        self.conv2 = ConvModule(
            planes, planes, kernel_size=3, stride=1, padding=1, act_cfg=None, **common
        )

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class Bottleneck(_Block2d):
    """1x1 - 3x3 - 1x1 bottleneck block (output channels ``planes * 4``).

    The stride goes on the 3x3 conv (``'pytorch'`` style) or on the first
    1x1 conv (``'caffe'`` style); the dilation applies to the 3x3 conv.
    The constructor arguments are described in :class:`_Block2d`.
    """

    expansion = 4

    def _make_convs(self, inplanes, planes, stride, dilation, style, act_cfg, common) -> None:
        self.inplanes = inplanes
        self.planes = planes
        self.conv1_stride, self.conv2_stride = (1, stride) if style == 'pytorch' else (stride, 1)
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

    def _branch(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv3(self.conv2(self.conv1(x)))


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
        downsample = make_downsample(
            inplanes, planes * block.expansion, stride, conv_cfg=conv_cfg, norm_cfg=norm_cfg
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
class ResNet(ResNetStagesMixin, nn.Module):
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

    arch_settings = resnet_arch_settings(BasicBlock, Bottleneck)

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
        check_depth(depth, self.arch_settings, 'ResNet')
        check_pretrained(pretrained)
        check_stages(num_stages, out_indices, strides=strides, dilations=dilations)
        check_style(style)
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
        self._add_res_layers(64, self._make_stage)

    def _make_stage(self, i: int, planes: int, num_blocks: int) -> nn.Sequential:
        return make_res_layer(
            self.block,
            self.inplanes,
            planes,
            num_blocks,
            stride=self.strides[i],
            dilation=self.dilations[i],
            style=self.style,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
            with_cp=self.with_cp,
        )

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
        return self._forward_stages(self.maxpool(self.conv1(x)))

    def _partial_bn(self) -> None:
        print_log('Freezing BatchNorm2d except the first one.', logger='current')
        bns = [m for m in self.modules() if isinstance(m, nn.BatchNorm2d)]
        for m in bns[1:]:
            m.eval()
            m.weight.requires_grad = False
            m.bias.requires_grad = False

    def train(self, mode: bool = True) -> 'ResNet':
        """Set train/eval mode, keeping frozen stages and (optionally) BN layers in eval.

        With ``partial_bn``, all BN layers but the first are also kept in eval
        mode and frozen.
        """
        super().train(mode)
        if mode and self.partial_bn:
            self._partial_bn()
        return self
