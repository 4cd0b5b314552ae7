"""Cross-entropy losses for single-label and multi-label classification."""

from typing import Optional, Sequence

import torch
import torch.nn.functional as F

from mmaction.registry import MODELS

from .base import BaseWeightedLoss, class_weight_tensor


@MODELS.register_module()
class CrossEntropyLoss(BaseWeightedLoss):
    """Softmax cross-entropy with hard or soft labels.

    The kind of label is told apart by shape:

    - hard labels are class indices, shape ``cls_score.shape[:1]``
      (any shape accepted by :func:`torch.nn.functional.cross_entropy`);
    - soft labels are class distributions with the same 2-d shape as
      ``cls_score``.

    Args:
        loss_weight (float): Factor applied to the loss. Defaults to 1.0.
        class_weight (Sequence[float], optional): Per-class weights. With hard
            labels they are passed to ``F.cross_entropy`` (weighted mean);
            with soft labels the per-sample losses are weighted the same way
            and normalised by the total label weight. Defaults to None.
        label_smoothing (float): Fraction ``eps`` of the target mass spread
            uniformly over the classes: the target becomes
            ``(1 - eps) * target + eps / num_classes``, for hard and soft
            labels alike. Defaults to 0.0 (MMAction2's behaviour).
    """

    def __init__(
        self,
        loss_weight: float = 1.0,
        class_weight: Optional[Sequence[float]] = None,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(loss_weight=loss_weight)
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(
                f'CrossEntropyLoss: label_smoothing must be in [0, 1), got {label_smoothing}'
            )
        self.label_smoothing = float(label_smoothing)
        # A plain attribute, not a buffer: it must not show up in state dicts.
        self.class_weight = class_weight_tensor(class_weight, 'CrossEntropyLoss')

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor, **kwargs) -> torch.Tensor:
        """Compute the unweighted cross-entropy.

        Args:
            cls_score (torch.Tensor): Class scores (logits), ``(N, C)``.
            label (torch.Tensor): Class indices ``(N,)`` or soft labels ``(N, C)``.
            **kwargs: Passed to ``F.cross_entropy`` for hard labels.

        Returns:
            torch.Tensor: The mean loss.
        """
        weight = None
        if self.class_weight is not None:
            weight = self.class_weight.to(cls_score.device)
        if cls_score.size() == label.size():
            if self.label_smoothing:
                eps = self.label_smoothing
                label = label * (1 - eps) + eps / cls_score.size(1)
            return self._soft_label_loss(cls_score, label, weight, kwargs)
        if self.label_smoothing:
            kwargs.setdefault('label_smoothing', self.label_smoothing)
        if weight is not None:
            if 'weight' in kwargs:
                raise ValueError(
                    "CrossEntropyLoss: 'weight' given both as class_weight and as a call argument"
                )
            kwargs['weight'] = weight
        return F.cross_entropy(cls_score, label, **kwargs)

    @staticmethod
    def _soft_label_loss(cls_score, label, weight, kwargs) -> torch.Tensor:
        if cls_score.dim() != 2:
            raise ValueError(
                'CrossEntropyLoss: soft labels must be 2-d (N, num_classes), '
                f'got shape {tuple(label.shape)}'
            )
        if kwargs:
            raise ValueError(
                f'CrossEntropyLoss: extra arguments are not supported with soft labels: '
                f'{sorted(kwargs)}'
            )
        log_prob = F.log_softmax(cls_score, dim=1)
        if weight is None:
            return -(label * log_prob).sum(dim=1).mean()
        weighted = log_prob * weight.unsqueeze(0)
        per_sample = -(label * weighted).sum(dim=1)
        # Same normalisation as a class-weighted F.cross_entropy: divide by the
        # total weight the labels carry instead of by the batch size.
        return per_sample.sum() / (weight.unsqueeze(0) * label).sum()


@MODELS.register_module()
class BCELossWithLogits(BaseWeightedLoss):
    """Binary cross-entropy on logits, for multi-label heads.

    Args:
        loss_weight (float): Factor applied to the loss. Defaults to 1.0.
        class_weight (Sequence[float], optional): Per-class weights passed as
            ``weight`` to ``F.binary_cross_entropy_with_logits``. Defaults to None.
    """

    def __init__(
        self, loss_weight: float = 1.0, class_weight: Optional[Sequence[float]] = None
    ) -> None:
        super().__init__(loss_weight=loss_weight)
        self.class_weight = class_weight_tensor(class_weight, 'BCELossWithLogits')

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor, **kwargs) -> torch.Tensor:
        """Compute the unweighted binary cross-entropy.

        Args:
            cls_score (torch.Tensor): Logits ``(N, C)``.
            label (torch.Tensor): Multi-hot (or smoothed) float targets ``(N, C)``.
            **kwargs: Passed to ``F.binary_cross_entropy_with_logits``.

        Returns:
            torch.Tensor: The loss.
        """
        if self.class_weight is not None:
            if 'weight' in kwargs:
                raise ValueError(
                    "BCELossWithLogits: 'weight' given both as class_weight and as a call argument"
                )
            kwargs['weight'] = self.class_weight.to(cls_score.device)
        return F.binary_cross_entropy_with_logits(cls_score, label, **kwargs)
