"""Classification head of TPN."""

from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmaction.registry import MODELS

from .base import AVERAGE_CLIPS_UNSET, AverageClipsUnset
from .tsn_head import TSNHead


@MODELS.register_module()
class TPNHead(TSNHead):
    """TSN head that also takes 5-d features and supports fully-conv testing.

    Arguments are those of :class:`TSNHead`. Three ways to call it:

    - ``num_segs=None``: ``x`` is ``(N, C, T, H, W)``; global average pooling.
    - ``num_segs`` given: ``x`` is ``(N * num_segs, C, H, W)`` (or with an extra
      time axis before ``H, W``); spatial average pooling, then the consensus
      over the segments.
    - ``fcn_test=True``: the fc acts as a 1x1x1 convolution over the pooled
      (or, with ``spatial_type`` not ``'avg'``, the full) feature map.
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
        super().__init__(
            num_classes,
            in_channels,
            loss_cls=loss_cls,
            spatial_type=spatial_type,
            consensus=consensus,
            dropout_ratio=dropout_ratio,
            init_std=init_std,
            multi_class=multi_class,
            label_smooth_eps=label_smooth_eps,
            topk=topk,
            average_clips=average_clips,
        )
        self.avg_pool3d = nn.AdaptiveAvgPool3d((1, 1, 1)) if spatial_type == 'avg' else None

    def _fcn_scores(self, x: torch.Tensor) -> torch.Tensor:
        # The fc's weights are used directly as a 1x1x1 convolution on every
        # call, so the scores always follow the current fc (MMAction2 0.x
        # copied them once into a cached ``new_cls`` conv).
        if self.avg_pool3d is not None:
            x = self.avg_pool3d(x)
        weight = self.fc_cls.weight[:, :, None, None, None]
        return F.conv3d(x, weight, self.fc_cls.bias)

    def forward(
        self, x: torch.Tensor, num_segs: Optional[int] = None, fcn_test: bool = False
    ) -> torch.Tensor:
        """Compute class scores.

        Args:
            x (torch.Tensor): Features, see the class docstring.
            num_segs (int, optional): Segments per video for 4-d input.
                Defaults to None.
            fcn_test (bool): Fully-convolutional test. Defaults to False.

        Returns:
            torch.Tensor: ``(N, num_classes)``; with ``fcn_test`` the score
            map ``(N, num_classes, T', H', W')``, which is ``(N, num_classes,
            1, 1, 1)`` for ``spatial_type='avg'``.
        """
        if fcn_test:
            if x.dim() != 5:
                raise ValueError(
                    f'TPNHead: fcn_test expects (N, C, T, H, W) features, got {tuple(x.shape)}'
                )
            return self._fcn_scores(x)
        if num_segs is None:
            if self.avg_pool3d is None:
                raise ValueError(
                    f'TPNHead: spatial_type={self.spatial_type!r} has no pooling for 5-d '
                    "features; use spatial_type='avg' or pass num_segs"
                )
            x = self.avg_pool3d(x)
        else:
            # Average over the spatial axes only, as a (1, H, W) pooling does.
            x = x.mean(dim=(-2, -1), keepdim=True)
            x = self._fuse_segments(x, num_segs)
        return self._classify(x)
