"""Common base of the classification losses."""

from abc import ABCMeta, abstractmethod

import torch
import torch.nn as nn


class BaseWeightedLoss(nn.Module, metaclass=ABCMeta):
    """A loss whose value is scaled by a constant factor.

    Subclasses compute the unscaled loss in :meth:`_forward`; :meth:`forward`
    multiplies it (or every ``loss*`` entry of a returned dict) by
    ``loss_weight``.

    Args:
        loss_weight (float): Factor applied to the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    @abstractmethod
    def _forward(self, *args, **kwargs):
        """Compute the loss before scaling by ``loss_weight``."""

    def forward(self, *args, **kwargs):
        """Compute the loss and scale it by ``loss_weight``.

        Returns:
            torch.Tensor | dict: The scaled loss, or a dict whose entries with
            ``loss`` in their name are scaled.
        """
        result = self._forward(*args, **kwargs)
        if isinstance(result, dict):
            return {
                key: value * self.loss_weight if 'loss' in key else value
                for key, value in result.items()
            }
        return result * self.loss_weight


def class_weight_tensor(class_weight, name: str):
    """Turn a ``class_weight`` argument into a float tensor (or None).

    Args:
        class_weight (Sequence[float] | torch.Tensor | None): Per-class weights.
        name (str): Name of the loss, used in error messages.

    Returns:
        torch.Tensor | None: A 1-d float tensor, or None when not given.
    """
    if class_weight is None:
        return None
    weight = torch.as_tensor(class_weight, dtype=torch.float32)
    if weight.dim() != 1:
        raise ValueError(
            f'{name}: class_weight must be a flat list of per-class weights, '
            f'got shape {tuple(weight.shape)}'
        )
    return weight
