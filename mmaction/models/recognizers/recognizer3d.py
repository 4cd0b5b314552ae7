"""Recognizer for 3D backbones: each view is a clip ``(C, T, H, W)``."""

import inspect
from typing import Dict

import torch

from mmaction.registry import MODELS

from .base import BaseRecognizer, Features, pool_features


@MODELS.register_module()
class Recognizer3D(BaseRecognizer):
    """3D recognizer (MMAction2 0.x ``Recognizer3D``).

    Input batches are ``(N, V, C, T, H, W)``: N videos with V views (clips x
    crops) each. Views are flattened into the batch for the backbone and
    averaged per video at test time (``test_cfg['average_clips']``).
    See :class:`BaseRecognizer` for the arguments.

    ``test_cfg`` also takes MMAction2 1.x's ``fcn_test`` (its TPN configs set
    it): the head then classifies fully convolutionally (for ``TPNHead``:
    its fc as a 1x1x1 convolution over the pooled clip), as 1.x does; heads
    without such a mode ignore it, as in 1.x.
    """

    TEST_CFG_KEYS = BaseRecognizer.TEST_CFG_KEYS + ('fcn_test',)

    def _check_input(self, imgs: torch.Tensor) -> None:
        if imgs.dim() != 6:
            raise ValueError(
                f'Recognizer3D expects imgs of shape (N, V, C, T, H, W), got {tuple(imgs.shape)}'
            )

    def forward_train(self, imgs: torch.Tensor, labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Losses of one batch: the neck's (``loss_aux``) plus the head's.

        Args:
            imgs (torch.Tensor): ``(N, V, C, T, H, W)``.
            labels (torch.Tensor): ``(N,)`` class indices or ``(N, C)`` multi-hot.

        Returns:
            dict: ``loss_aux`` (with an auxiliary neck head), ``loss_cls``,
            ``top1_acc``, ``top5_acc`` and whatever else the head reports.
        """
        self._check_input(imgs)
        self._require_head()
        num_views = imgs.shape[1]
        imgs = imgs.reshape((-1,) + imgs.shape[2:])
        if num_views > 1:
            # every view of a video carries that video's label
            labels = labels.repeat_interleave(num_views, dim=0)

        losses = {}
        x = self.extract_feat(imgs)
        if self.with_neck:
            x, loss_aux = self.neck(x, labels)
            losses.update(loss_aux)
        cls_score = self.cls_head(x)
        losses.update(self.cls_head.loss(cls_score, labels))
        return losses

    def _fcn_test(self) -> bool:
        if not (self.test_cfg or {}).get('fcn_test', False):
            return False
        return 'fcn_test' in inspect.signature(self.cls_head.forward).parameters

    def _backbone_and_neck(self, imgs: torch.Tensor) -> Features:
        x = self.extract_feat(imgs)
        if self.with_neck:
            x, _ = self.neck(x)
        return x

    def forward_test(self, imgs: torch.Tensor, average: bool = True) -> torch.Tensor:
        """Test-time scores (or pooled features with ``feature_extraction``).

        With ``max_testing_views`` set, at most that many views go through
        backbone and neck at once (any batch size).

        Args:
            imgs (torch.Tensor): ``(N, V, C, T, H, W)``.
            average (bool): Whether to average the views of each video.

        Returns:
            torch.Tensor: ``(N, num_classes)`` averaged scores (see
            :meth:`average_clip`), ``(N * V, num_classes)`` raw scores when
            ``average`` is False, or ``(N, C_feat)`` features averaged over
            views with ``feature_extraction``.
        """
        self._check_input(imgs)
        batches, num_views = imgs.shape[:2]
        imgs = imgs.reshape((-1,) + imgs.shape[2:])
        feat = self.run_chunked(self._backbone_and_neck, imgs, self.max_testing_views)

        if self.feature_extraction:
            return pool_features(feat).reshape(batches, num_views, -1).mean(dim=1)

        self._require_head()
        if self._fcn_test():
            cls_score = self.cls_head(feat, fcn_test=True)
            cls_score = cls_score.reshape(cls_score.shape[0], -1)
            if cls_score.shape[1] != self.cls_head.num_classes:
                raise ValueError(
                    f'Recognizer3D: test_cfg fcn_test gives {cls_score.shape[1]} scores per view '
                    f'for {self.cls_head.num_classes} classes; fully convolutional testing needs '
                    "a head that pools its input (spatial_type='avg')"
                )
        else:
            cls_score = self.cls_head(feat)
        if not average:
            return cls_score
        return self.average_clip(cls_score, num_views)
