"""Recognizer for 2D backbones (TSN/TSM-style): each input item is a frame."""

from typing import Dict, Optional, Sequence, Tuple

import torch

from mmaction.registry import MODELS

from .base import BaseRecognizer, Features, pool_features


@MODELS.register_module()
class Recognizer2D(BaseRecognizer):
    """2D recognizer (MMAction2 0.x ``Recognizer2D``).

    Input batches are ``(N, V*T, C, H, W)``: the frames of all views of a
    video stacked. The backbone sees single frames; a neck such as ``TPN``
    gets the frame features regrouped into clips ``(B, C, T, H, W)``.

    Test options (``test_cfg``) beyond :class:`BaseRecognizer`'s:
    ``fcn_test`` (fully convolutional testing, clips of ``num_segs`` frames,
    default the backbone's ``num_segments``), ``num_segs`` and ``flip``
    (horizontal flip, fcn test only). ``max_testing_views`` counts frames per
    backbone pass and must be a multiple of the backbone's ``num_segments``
    when it has one (temporal shift mixes the frames of a clip).
    """

    TEST_CFG_KEYS = BaseRecognizer.TEST_CFG_KEYS + ('fcn_test', 'num_segs', 'flip')

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cfg = self.test_cfg or {}
        if cfg.get('fcn_test', False) and self.feature_extraction:
            raise ValueError('test_cfg: "fcn_test" and "feature_extraction" cannot both be set')
        num_segments = getattr(self.backbone, 'num_segments', None)
        if (
            self.max_testing_views is not None
            and num_segments is not None
            and self.max_testing_views % num_segments != 0
        ):
            raise ValueError(
                f'test_cfg["max_testing_views"]={self.max_testing_views} must be a multiple '
                f"of the backbone's num_segments={num_segments}"
            )

    def _check_input(self, imgs: torch.Tensor) -> None:
        if imgs.dim() != 5:
            raise ValueError(
                f'Recognizer2D expects imgs of shape (N, V*T, C, H, W), got {tuple(imgs.shape)}'
            )

    @staticmethod
    def _to_clips(feats: Sequence[torch.Tensor], num_segs: int) -> Tuple[torch.Tensor, ...]:
        """Regroup frame features ``(B*T, C, H, W)`` into clips ``(B, C, T, H, W)``."""
        return tuple(
            f.reshape((-1, num_segs) + f.shape[1:]).transpose(1, 2).contiguous() for f in feats
        )

    def _neck(
        self, x: Features, num_segs: int, labels: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, dict]:
        if isinstance(x, torch.Tensor):
            x = (x,)
        return self.neck(list(self._to_clips(x, num_segs)), labels)

    def forward_train(self, imgs: torch.Tensor, labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Losses of one batch: the neck's (``loss_aux``) plus the head's.

        All ``V*T`` frames of a video form one sample (0.x behaviour).

        Args:
            imgs (torch.Tensor): ``(N, V*T, C, H, W)``.
            labels (torch.Tensor): ``(N,)`` class indices or ``(N, C)`` multi-hot.

        Returns:
            dict: ``loss_aux`` (with an auxiliary neck head), ``loss_cls``,
            ``top1_acc``, ``top5_acc`` and whatever else the head reports.
        """
        self._check_input(imgs)
        self._require_head()
        num_segs = imgs.shape[1]
        imgs = imgs.reshape((-1,) + imgs.shape[2:])

        losses = {}
        x = self.extract_feat(imgs)
        if self.with_neck:
            x, loss_aux = self._neck(x, num_segs, labels)
            losses.update(loss_aux)
            x = x.squeeze(2)
            num_segs = 1
        cls_score = self.cls_head(x, num_segs)
        losses.update(self.cls_head.loss(cls_score, labels))
        return losses

    def forward_test(self, imgs: torch.Tensor, average: bool = True) -> torch.Tensor:
        """Test-time scores (or pooled features with ``feature_extraction``).

        Args:
            imgs (torch.Tensor): ``(N, V*T, C, H, W)``.
            average (bool): Whether to average the views of each video.

        Returns:
            torch.Tensor: ``(N, num_classes)`` averaged scores (see
            :meth:`average_clip`), ``(N * V', num_classes)`` raw head scores
            when ``average`` is False, or ``(N, C_feat)`` features.
        """
        self._check_input(imgs)
        if (self.test_cfg or {}).get('fcn_test', False):
            return self._fcn_test(imgs, average)
        batches, num_segs = imgs.shape[:2]
        imgs = imgs.reshape((-1,) + imgs.shape[2:])
        x = self.run_chunked(self.extract_feat, imgs, self.max_testing_views)

        if self.with_neck:
            # 0.x regroups all V*T frames of a video into one clip for the neck
            x, _ = self._neck(x, num_segs)
            x = x.squeeze(2)
            num_segs = 1

        if self.feature_extraction:
            pooled = pool_features(x)
            return pooled.reshape(batches, -1, pooled.shape[-1]).mean(dim=1)

        self._require_head()
        cls_score = self.cls_head(x, num_segs)
        return self._finish(cls_score, batches, average)

    def _fcn_test(self, imgs: torch.Tensor, average: bool) -> torch.Tensor:
        """Fully convolutional test: clips of ``num_segs`` frames, head in fcn mode."""
        self._require_head()
        batches = imgs.shape[0]
        imgs = imgs.reshape((-1,) + imgs.shape[2:])
        num_segs = self.test_cfg.get('num_segs', getattr(self.backbone, 'num_segments', None))
        if num_segs is None:
            raise ValueError(
                'test_cfg["fcn_test"] needs test_cfg["num_segs"] or a backbone with num_segments'
            )
        if imgs.shape[0] % (batches * num_segs) != 0:
            raise ValueError(
                f'fcn_test: {imgs.shape[0] // batches} frames per video are not a multiple '
                f'of num_segs={num_segs}'
            )
        if self.test_cfg.get('flip', False):
            imgs = torch.flip(imgs, [-1])
        x = self.run_chunked(self.extract_feat, imgs, self.max_testing_views)

        if self.with_neck:
            x, _ = self._neck(x, num_segs)
        elif isinstance(x, torch.Tensor):
            x = self._to_clips((x,), num_segs)[0]
        else:
            x = self._to_clips(x, num_segs)
        cls_score = self.cls_head(x, fcn_test=True)
        return self._finish(cls_score.reshape(cls_score.shape[0], -1), batches, average)

    def _finish(self, cls_score: torch.Tensor, batches: int, average: bool) -> torch.Tensor:
        if not average:
            return cls_score
        if cls_score.shape[0] % batches != 0:
            raise ValueError(
                f'Head returned {cls_score.shape[0]} scores for a batch of {batches} videos'
            )
        return self.average_clip(cls_score, cls_score.shape[0] // batches)
