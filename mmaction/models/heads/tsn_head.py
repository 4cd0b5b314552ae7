"""TSN classification head: spatial pooling, segment consensus, dropout, fc."""

from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model.weight_init import normal_init

from mmaction.registry import MODELS

from .base import AVERAGE_CLIPS_UNSET, AverageClipsUnset, AvgConsensus, BaseHead


def build_consensus(consensus: dict) -> nn.Module:
    """Build the segment consensus module from its config."""
    if not isinstance(consensus, dict) or 'type' not in consensus:
        raise TypeError(f"consensus must be a dict with a 'type' key, got {consensus!r}")
    cfg = dict(consensus)
    if cfg['type'] == 'AvgConsensus':
        cfg.pop('type')
        return AvgConsensus(**cfg)
    return MODELS.build(cfg)


@MODELS.register_module()
class TSNHead(BaseHead):
    """Head of TSN: averages each segment's map, fuses the segments, classifies.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Channels of the input feature.
        loss_cls (dict, optional): Config of the loss; None means
            ``dict(type='CrossEntropyLoss')``.
        spatial_type (str | None): ``'avg'`` for global average pooling over
            space, anything else for none. Defaults to ``'avg'``.
        consensus (dict, optional): Config of the segment consensus; None
            means ``dict(type='AvgConsensus', dim=1)``.
        dropout_ratio (float): Dropout before the fc; 0 disables it.
            Defaults to 0.4.
        init_std (float): Std of the fc's normal init. Defaults to 0.01.
        multi_class (bool): See :class:`BaseHead`. Defaults to False.
        label_smooth_eps (float): See :class:`BaseHead`. Defaults to 0.
        topk (int | tuple[int]): See :class:`BaseHead`. Defaults to ``(1, 5)``.
        average_clips (str | None): See :class:`BaseHead` (1.x). Defaults
            to unset.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        loss_cls: Optional[dict] = None,
        spatial_type: Optional[str] = 'avg',
        consensus: Optional[dict] = None,
        dropout_ratio: float = 0.4,
        init_std: float = 0.01,
        multi_class: bool = False,
        label_smooth_eps: float = 0.0,
        topk: Union[int, Tuple[int, ...]] = (1, 5),
        average_clips: Union[str, None, AverageClipsUnset] = AVERAGE_CLIPS_UNSET,
    ) -> None:
        if loss_cls is None:
            loss_cls = dict(type='CrossEntropyLoss')
        if consensus is None:
            consensus = dict(type='AvgConsensus', dim=1)
        super().__init__(
            num_classes,
            in_channels,
            loss_cls=loss_cls,
            multi_class=multi_class,
            label_smooth_eps=label_smooth_eps,
            topk=topk,
            average_clips=average_clips,
        )
        self.spatial_type = spatial_type
        self.dropout_ratio = dropout_ratio
        self.init_std = init_std
        self.consensus = build_consensus(consensus)
        self.avg_pool = nn.AdaptiveAvgPool2d((1, 1)) if spatial_type == 'avg' else None
        # Kept as an nn.Dropout module so that tools can switch it off by type.
        self.dropout = nn.Dropout(p=dropout_ratio) if dropout_ratio != 0 else None
        self.fc_cls = nn.Linear(in_channels, num_classes)
        self.init_weights()

    def init_weights(self) -> None:
        """Normal init of the fc (std ``init_std``, zero bias)."""
        normal_init(self.fc_cls, std=self.init_std)

    def _fuse_segments(self, x: torch.Tensor, num_segs: int) -> torch.Tensor:
        x = x.reshape((-1, num_segs) + x.shape[1:])
        return self.consensus(x).squeeze(1)

    def _classify(self, x: torch.Tensor) -> torch.Tensor:
        if self.dropout is not None:
            x = self.dropout(x)
        return self.fc_cls(x.view(x.size(0), -1))

    def forward(self, x: torch.Tensor, num_segs: int) -> torch.Tensor:
        """Classify ``(N * num_segs, C, H, W)`` features.

        Args:
            x (torch.Tensor): Per-segment features.
            num_segs (int): Segments per video.

        Returns:
            torch.Tensor: Scores ``(N, num_classes)``.
        """
        if self.avg_pool is not None:
            x = self.avg_pool(x)
        return self._classify(self._fuse_segments(x, num_segs))
