"""Non-finite losses: end the run (default) or skip the step, all processes together.

The check runs on the total loss of a training step before the backward
pass, so a NaN or infinite loss never reaches the weights, the optimizer
state or the checkpoints. Under ``torch.distributed`` the verdict is
combined over the processes, so they all skip, or all stop, at the same
step. With float16 loss scaling (``AmpOptimWrapper``), gradients that
overflow because of the scale are still the ``GradScaler``'s business (it
skips the step and lowers the scale); only a loss that is not finite before
scaling counts here.

The top-level config key ``nonfinite_loss`` chooses what happens:
``'stop'`` (default) ends the run with :class:`NonFiniteLossError`,
``'skip'`` leaves the weights as they are for that step and goes on.
"""

import math
from typing import Dict, List, Optional

import torch

from mmaction.utils.errors import ConfigError, UserError

#: The top-level 0.x config keys this module handles.
TOP_LEVEL_KEYS = ('nonfinite_loss',)

#: Values of the ``nonfinite_loss`` config key; the first is the default.
NONFINITE_POLICIES = ('stop', 'skip')


class NonFiniteLossError(UserError, FloatingPointError):
    """The loss of a training step was NaN or infinite and the run stops."""


def nonfinite_loss_policy(value: Optional[str]) -> str:
    """The handler of the top-level config key ``nonfinite_loss``.

    Args:
        value: The config's value, or None when the key is absent.

    Returns:
        ``'stop'`` or ``'skip'``.

    Raises:
        ConfigError: For any other value.
    """
    if value is None:
        return NONFINITE_POLICIES[0]
    if value not in NONFINITE_POLICIES:
        raise ConfigError(
            f"nonfinite_loss={value!r} is not valid: use 'stop' (end the run and keep the "
            "last checkpoint, the default) or 'skip' (skip the update of such steps)"
        )
    return value


def all_finite(loss: torch.Tensor) -> bool:
    """Whether ``loss`` is finite on every process (a collective call when distributed)."""
    from mmengine.dist import all_reduce, get_world_size

    bad = torch.tensor([0 if bool(torch.isfinite(loss.detach()).all()) else 1])
    if get_world_size() > 1:
        all_reduce(bad, op='max')
    return not bool(bad.item())


def nonfinite_terms(log_vars: Dict[str, object]) -> List[str]:
    """``name=value`` of the loss terms that are not finite on this process."""
    terms = []
    for name, value in log_vars.items():
        number = float(value.detach().float().mean()) if torch.is_tensor(value) else float(value)
        if name != 'loss' and 'loss' in name and not math.isfinite(number):
            terms.append(f'{name}={number}')
    return terms or ['(on another process)']


class NonFiniteLossGuard:
    """Stands in for the optim wrapper in ``model.train_step`` and refuses non-finite losses.

    ``train_step`` hands the total loss to ``update_params``; the guard runs
    the backward pass and the optimizer step only when the loss is finite on
    every process, and otherwise sets :attr:`tripped` and leaves the model,
    its gradients and the optimizer untouched. Everything else is the
    wrapped optim wrapper's.

    Args:
        optim_wrapper: The run's ``OptimWrapper`` (or a subclass).
    """

    def __init__(self, optim_wrapper) -> None:
        self._optim_wrapper = optim_wrapper
        self.tripped = False

    def __getattr__(self, name: str):
        return getattr(self._optim_wrapper, name)

    def update_params(
        self, loss: torch.Tensor, step_kwargs: Optional[dict] = None,
        zero_kwargs: Optional[dict] = None,
    ) -> None:  # fmt: skip
        """``OptimWrapper.update_params`` when ``loss`` is finite everywhere; else nothing."""
        self.tripped = not all_finite(loss)
        if not self.tripped:
            self._optim_wrapper.update_params(
                loss, step_kwargs=step_kwargs, zero_kwargs=zero_kwargs
            )
