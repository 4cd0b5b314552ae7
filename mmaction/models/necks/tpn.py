"""TPN neck: Temporal Pyramid Network (https://arxiv.org/abs/2004.03548)."""

from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model.weight_init import constant_init, xavier_init

from mmaction.registry import MODELS

from .tpn_parts import (
    AuxHead,
    DownSample,
    LevelFusion,
    SpatialModulation,
    TemporalModulation,
)


def _check_cfg(name: str, cfg: Optional[dict], required: bool) -> None:
    if cfg is None:
        if required:
            raise ValueError(f'TPN: {name} is required, got None')
        return
    if not isinstance(cfg, dict):
        raise TypeError(f'TPN: {name} must be a dict or None, got {type(cfg).__name__}')


@MODELS.register_module()
class TPN(nn.Module):
    """Temporal Pyramid Network neck.

    Takes the features of several backbone stages (each ``(N, C_i, T, H_i,
    W_i)``), aligns them in space (:class:`SpatialModulation`) and rescales
    them in time (:class:`TemporalModulation`), then fuses a top-down and a
    bottom-up pass over the pyramid (each through a :class:`LevelFusion`)
    into one ``(N, 2048, T', H, W)`` map. An optional :class:`AuxHead` on the
    second-highest stage adds ``loss_aux`` when a target is given.

    Args:
        in_channels (tuple[int]): Channels of the input stages.
        out_channels (int): Channels of each level after temporal modulation.
        spatial_modulation_cfg (dict): ``in_channels`` and ``out_channels`` of
            :class:`SpatialModulation`. Required.
        temporal_modulation_cfg (dict): ``downsample_scales``, one temporal
            pooling scale per stage. Required.
        upsample_cfg (dict, optional): Arguments of the ``nn.Upsample`` of the
            top-down pass; None skips the top-down additions. Defaults to None.
        downsample_cfg (dict, optional): Extra arguments of the
            :class:`DownSample` of the bottom-up pass; None skips the
            bottom-up additions. Defaults to None.
        level_fusion_cfg (dict): ``in_channels``, ``mid_channels``,
            ``out_channels`` and ``downsample_scales`` of both
            :class:`LevelFusion` modules. Required.
        aux_head_cfg (dict, optional): ``out_channels`` (classes) and
            optionally ``loss_weight`` / ``loss_cls`` of the :class:`AuxHead`.
            Defaults to None (no auxiliary head).
        flow_type (str): ``'cascade'`` runs the bottom-up pass on the
            top-down result, ``'parallel'`` on the modulated levels.
            Defaults to ``'cascade'``.
    """

    def __init__(
        self,
        in_channels: Tuple[int, ...],
        out_channels: int,
        spatial_modulation_cfg: Optional[dict] = None,
        temporal_modulation_cfg: Optional[dict] = None,
        upsample_cfg: Optional[dict] = None,
        downsample_cfg: Optional[dict] = None,
        level_fusion_cfg: Optional[dict] = None,
        aux_head_cfg: Optional[dict] = None,
        flow_type: str = 'cascade',
    ) -> None:
        super().__init__()
        if not isinstance(in_channels, (tuple, list)) or len(in_channels) < 2:
            raise TypeError(f'TPN: in_channels must be a tuple of >= 2 ints, got {in_channels!r}')
        if not isinstance(out_channels, int):
            raise TypeError(f'TPN: out_channels must be an int, got {out_channels!r}')
        _check_cfg('spatial_modulation_cfg', spatial_modulation_cfg, required=True)
        _check_cfg('temporal_modulation_cfg', temporal_modulation_cfg, required=True)
        _check_cfg('level_fusion_cfg', level_fusion_cfg, required=True)
        _check_cfg('upsample_cfg', upsample_cfg, required=False)
        _check_cfg('downsample_cfg', downsample_cfg, required=False)
        _check_cfg('aux_head_cfg', aux_head_cfg, required=False)
        if flow_type not in ('cascade', 'parallel'):
            raise ValueError(f"TPN: flow_type must be 'cascade' or 'parallel', got {flow_type!r}")
        self.in_channels = tuple(in_channels)
        self.out_channels = out_channels
        self.num_tpn_stages = len(in_channels)
        self.flow_type = flow_type
        temporal_scales = temporal_modulation_cfg.get('downsample_scales')
        if temporal_scales is None or len(temporal_scales) != self.num_tpn_stages:
            raise ValueError(
                'TPN: temporal_modulation_cfg.downsample_scales needs one scale per stage '
                f'({self.num_tpn_stages}), got {temporal_scales!r}'
            )

        # Creation order fixes the state-dict order of MMAction2 checkpoints.
        self.temporal_modulation_ops = nn.ModuleList()
        self.upsample_ops = nn.ModuleList()
        self.downsample_ops = nn.ModuleList()
        self.level_fusion_1 = LevelFusion(**level_fusion_cfg)
        self.spatial_modulation = SpatialModulation(**spatial_modulation_cfg)
        for i in range(self.num_tpn_stages):
            # Every level has the top stage's width after spatial modulation.
            self.temporal_modulation_ops.append(
                TemporalModulation(in_channels[-1], out_channels, temporal_scales[i])
            )
            if i == self.num_tpn_stages - 1:
                continue
            if upsample_cfg is not None:
                self.upsample_ops.append(nn.Upsample(**upsample_cfg))
            if downsample_cfg is not None:
                self.downsample_ops.append(DownSample(out_channels, out_channels, **downsample_cfg))
        self.level_fusion_2 = LevelFusion(**level_fusion_cfg)
        self.pyramid_fusion = ConvModule(
            level_fusion_cfg['out_channels'] * 2,
            2048,
            1,
            stride=1,
            padding=0,
            bias=False,
            conv_cfg=dict(type='Conv3d'),
            norm_cfg=dict(type='BN3d', requires_grad=True),
        )
        if aux_head_cfg is not None:
            self.aux_head = AuxHead(self.in_channels[-2], **aux_head_cfg)
        else:
            self.aux_head = None
        self.init_weights()

    def init_weights(self) -> None:
        """Xavier-uniform for every Conv3d, unit BN, then the aux head's init."""
        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                xavier_init(m, distribution='uniform')
            if isinstance(m, nn.BatchNorm3d):
                constant_init(m, 1)
        if self.aux_head is not None:
            self.aux_head.init_weights()

    def forward(
        self, x: Sequence[torch.Tensor], target: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """Fuse the stage features.

        Args:
            x (Sequence[torch.Tensor]): One ``(N, C_i, T, H_i, W_i)`` map per
                stage, lowest stage first.
            target (torch.Tensor, optional): Labels for the auxiliary loss
                (``(N,)``, 0-d for one sample, or ``(N, num_classes)``).

        Returns:
            tuple[torch.Tensor, dict]: The fused ``(N, 2048, T', H, W)`` map
            and ``{'loss_aux': tensor}`` when there is an aux head and a
            target, else ``{}``.
        """
        if len(x) != self.num_tpn_stages:
            raise ValueError(
                f'TPN: expected {self.num_tpn_stages} feature maps (in_channels='
                f'{self.in_channels}), got {len(x)}'
            )
        loss_aux = {}
        if self.aux_head is not None:
            loss_aux = self.aux_head(x[-2], target)

        levels = self.spatial_modulation(x)
        levels = [op(level) for op, level in zip(self.temporal_modulation_ops, levels)]

        outs = self._top_down(list(levels))
        top_down_outs = self.level_fusion_1(outs)
        if self.flow_type == 'parallel':
            outs = list(levels)
        outs = self._bottom_up(outs)
        bottom_up_outs = self.level_fusion_2(outs)

        fused = self.pyramid_fusion(torch.cat([top_down_outs, bottom_up_outs], dim=1))
        return fused, loss_aux

    def _top_down(self, outs: List[torch.Tensor]) -> List[torch.Tensor]:
        # Each level receives the (already updated) level above it.
        if len(self.upsample_ops) == 0:
            return outs
        for i in range(self.num_tpn_stages - 1, 0, -1):
            outs[i - 1] = outs[i - 1] + self.upsample_ops[i - 1](outs[i])
        return outs

    def _bottom_up(self, outs: List[torch.Tensor]) -> List[torch.Tensor]:
        # Each level receives the (already updated) level below it.
        if len(self.downsample_ops) == 0:
            return outs
        outs = list(outs)
        for i in range(self.num_tpn_stages - 1):
            outs[i + 1] = outs[i + 1] + self.downsample_ops[i](outs[i])
        return outs
