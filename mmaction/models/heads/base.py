"""Shared parts of the classification heads: consensus, base head with its loss."""

from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn

from mmaction.registry import MODELS

#: How the scores of a video's views may be combined at test time.
AVERAGE_CLIPS_CHOICES = ('score', 'prob', None)


class AverageClipsUnset:
    """The default of ``average_clips``: not given (0.x sets it in ``test_cfg``)."""

    def __repr__(self) -> str:
        return 'unset'


AVERAGE_CLIPS_UNSET = AverageClipsUnset()


@MODELS.register_module()
class AvgConsensus(nn.Module):
    """Average over one dimension (the segments), keeping that dimension.

    Args:
        dim (int): Dimension to average. Defaults to 1.
    """

    def __init__(self, dim: int = 1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the mean of ``x`` over ``self.dim`` (kept with size 1)."""
        return x.mean(dim=self.dim, keepdim=True)


def top_k_accuracy(scores: np.ndarray, labels: np.ndarray, topk: Sequence[int]) -> List[float]:
    """Fraction of samples whose label is among the ``k`` best scores.

    Args:
        scores (np.ndarray): Scores ``(N, num_classes)``.
        labels (np.ndarray): Class indices ``(N,)``.
        topk (Sequence[int]): The values of ``k``.

    Returns:
        list[float]: One accuracy per ``k``.
    """
    scores = np.asarray(scores)
    labels = np.asarray(labels).reshape(-1, 1)
    # Ascending argsort, as MMAction2 does, so ties resolve the same way.
    ranking = np.argsort(scores, axis=1)
    accuracies = []
    for k in topk:
        best_k = ranking[:, scores.shape[1] - min(k, scores.shape[1]) :]
        hits = (best_k == labels).any(axis=1)
        accuracies.append(float(hits.sum()) / hits.shape[0])
    return accuracies


class BaseHead(nn.Module, metaclass=ABCMeta):
    """Base class of classification heads, with the MMAction2 0.x loss.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Channels of the input feature.
        loss_cls (dict, optional): Config of the classification loss; None
            means ``dict(type='CrossEntropyLoss', loss_weight=1.0)``.
        multi_class (bool): Multi-label task (float multi-hot labels).
            Defaults to False.
        label_smooth_eps (float): Label smoothing, applied to multi-hot labels
            of multi-class heads only (as in MMAction2 0.x). Defaults to 0.
        topk (int | tuple[int]): ``k`` values of the training accuracies.
            Defaults to ``(1, 5)``.
        average_clips (str | None): How the recognizer combines a video's
            view scores at test time, where MMAction2 1.x configs set it:
            ``'prob'`` (mean of softmax), ``'score'`` (mean of raw scores)
            or None (no averaging). 0.x configs set it in the recognizer's
            ``test_cfg`` instead; the recognizer refuses both set to
            different values. Defaults to unset.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        loss_cls: Optional[dict] = None,
        multi_class: bool = False,
        label_smooth_eps: float = 0.0,
        topk: Union[int, Tuple[int, ...]] = (1, 5),
        average_clips: Union[str, None, AverageClipsUnset] = AVERAGE_CLIPS_UNSET,
    ) -> None:
        super().__init__()
        if average_clips is not AVERAGE_CLIPS_UNSET and average_clips not in AVERAGE_CLIPS_CHOICES:
            raise ValueError(
                f'{type(self).__name__}: average_clips={average_clips!r} is not supported; '
                f'choose one of {list(AVERAGE_CLIPS_CHOICES)}'
            )
        self.average_clips = average_clips
        self.num_classes = num_classes
        self.in_channels = in_channels
        if loss_cls is None:
            loss_cls = dict(type='CrossEntropyLoss', loss_weight=1.0)
        self.loss_cls = MODELS.build(loss_cls)
        self.multi_class = multi_class
        self.label_smooth_eps = label_smooth_eps
        if isinstance(topk, int):
            topk = (topk,)
        if not isinstance(topk, tuple) or not all(isinstance(k, int) for k in topk):
            raise TypeError(
                f'{type(self).__name__}: topk must be an int or a tuple of ints, got {topk!r}'
            )
        if any(k <= 0 for k in topk):
            raise ValueError(f'{type(self).__name__}: every topk must be positive, got {topk}')
        self.topk = topk

    @abstractmethod
    def init_weights(self) -> None:
        """Initialise the head's parameters from scratch."""

    def loss(
        self, cls_score: torch.Tensor, labels: torch.Tensor, **kwargs
    ) -> Dict[str, torch.Tensor]:
        """Classification loss and, for single-label heads, top-k accuracies.

        Args:
            cls_score (torch.Tensor): Scores ``(N, num_classes)``.
            labels (torch.Tensor): Class indices ``(N,)`` (a 0-d tensor for a
                batch of one), or soft / multi-hot labels ``(N, num_classes)``.
            **kwargs: Passed to the loss module.

        Returns:
            dict[str, torch.Tensor]: ``loss_cls`` (or the loss module's dict)
            and ``top{k}_acc`` for every ``k`` of ``topk`` when the labels are
            class indices and the head is single-label.
        """
        losses = {}
        if labels.dim() == 0:
            labels = labels.unsqueeze(0)
        elif labels.dim() == 1 and labels.size(0) == self.num_classes and cls_score.size(0) == 1:
            # A batch of one soft label loses its batch axis in ``squeeze()``.
            labels = labels.unsqueeze(0)

        if not self.multi_class and cls_score.size() != labels.size():
            accuracies = top_k_accuracy(
                cls_score.detach().float().cpu().numpy(), labels.detach().cpu().numpy(), self.topk
            )
            for k, acc in zip(self.topk, accuracies):
                losses[f'top{k}_acc'] = torch.tensor(acc, device=cls_score.device)
        elif self.multi_class and self.label_smooth_eps != 0:
            eps = self.label_smooth_eps
            labels = (1 - eps) * labels + eps / self.num_classes

        loss_cls = self.loss_cls(cls_score, labels, **kwargs)
        if isinstance(loss_cls, dict):
            losses.update(loss_cls)
        else:
            losses['loss_cls'] = loss_cls
        return losses
