"""The fast-execution keys of a config: ``precision``, ``channels_last`` and ``compile``.

They sit at the top level of a config of either dialect and can be set
with ``--cfg-options``::

    precision = 'bf16'        # 'fp32' | 'tf32' | 'bf16' | 'fp16'
    channels_last = True      # channels-last convolutions and input
    compile = True            # or dict(mode='max-autotune', ...): torch.compile

:func:`plan_speed` reads them once into a :class:`SpeedPlan`; the config
converters take the optimizer wrapper and the val/test loops from it, and
:func:`~mmaction.engine.model_builder.build_model` applies it to the model
(memory format, compilation, TF32 and, for inference, autocast).
"""

from dataclasses import dataclass, field
from typing import Any, ContextManager, List, Optional, Union

from torch import nn

from mmaction.utils.errors import ConfigError

from .memory_format import to_channels_last
from .model_compile import compile_kwargs, compile_model
from .precision import Precision, resolve_precision


@dataclass
class SpeedPlan:
    """How a run executes its model.

    Attributes:
        precision: The resolved :class:`~mmaction.engine.speed.precision.Precision`.
        channels_last: Channels-last convolution weights and input.
        compile: ``torch.compile`` arguments, or None for eager execution.
        notes: Lines for the log.
    """

    precision: Precision = field(default_factory=Precision)
    channels_last: bool = False
    compile: Optional[dict] = None
    notes: List[str] = field(default_factory=list)

    @property
    def device_type(self) -> str:
        """str: ``'cuda'`` or ``'cpu'``."""
        return self.precision.device_type

    def update_model_cfg(self, model: dict) -> None:
        """With ``channels_last``, ask the data preprocessor for channels-last input, in place.

        Only the toolkit's ``ActionDataPreprocessor`` has that option; another
        preprocessor is left alone (the first convolution then converts).
        """
        preprocessor = dict(model.get('data_preprocessor') or {})
        if not self.channels_last:
            return
        if preprocessor.get('type', 'ActionDataPreprocessor') == 'ActionDataPreprocessor':
            model['data_preprocessor'] = dict(preprocessor, channels_last=True)

    def loop_cfg(self, kind: str) -> dict:
        """The ``val_cfg`` / ``test_cfg`` loop config (``kind``: ``'val'`` or ``'test'``)."""
        loop = dict(type='ActionValLoop' if kind == 'val' else 'ActionTestLoop')
        dtype = self.precision.autocast_dtype_name
        if dtype is not None:
            loop['dtype'] = dtype
        return loop

    def apply(self, model: nn.Module) -> nn.Module:
        """Channels-last weights, then compilation, in place; returns ``model``."""
        self.apply_memory_format(model)
        self.apply_compile(model)
        return model

    def apply_memory_format(self, model: nn.Module) -> None:
        """Channels-last convolution weights, with ``channels_last``."""
        if self.channels_last:
            to_channels_last(model)

    def apply_forward_autocast(self, model: nn.Module) -> None:
        """Run every forward pass of ``model`` under the precision's autocast, in place.

        For models that callers run themselves (the inference API,
        ``benchmark.py``); nothing for float32. Only ``forward`` runs under
        autocast: the preprocessing in ``test_step`` has no operator that
        autocast changes.
        """
        if self.precision.autocast_dtype is not None:
            _ForwardAutocast(self.precision).attach(model)

    def apply_compile(self, model: nn.Module) -> None:
        """``torch.compile`` the model's parts; without a working compiler, stay eager."""
        if self.compile is not None and not compile_model(model, self.compile, self.device_type):
            self.compile = None

    def describe(self) -> str:
        """One line: precision, memory format and compilation."""
        parts = [f'precision {self.precision.name}']
        if self.precision.name == 'default':
            cuda = self.device_type == 'cuda'
            parts[0] = "precision fp32 (PyTorch's TF32 defaults)" if cuda else 'precision fp32'
        elif self.precision.autocast_dtype is not None:
            parts[0] += f' (autocast {self.precision.autocast_dtype_name})'
        parts.append('channels-last' if self.channels_last else 'contiguous (NCTHW/NCHW)')
        if self.compile is not None:
            parts.append(f'torch.compile({self.compile.get("backend", "inductor")})')
        else:
            parts.append('eager')
        return ', '.join(parts)


class _ForwardAutocast:
    """Forward hooks that enter ``Precision.autocast()`` before a module's forward and leave after.

    Hooks, not a wrapped ``forward``: they travel with ``copy.deepcopy`` of
    the model and cannot be bypassed by calling the module.
    """

    def __init__(self, precision: Precision) -> None:
        self.precision = precision
        self._active: List[ContextManager] = []

    def attach(self, module: nn.Module) -> None:
        module.register_forward_pre_hook(self._enter)
        # always_call: leave autocast even when the forward pass raises.
        module.register_forward_hook(self._leave, always_call=True)

    def _enter(self, module: nn.Module, args: tuple) -> None:
        context = self.precision.autocast()
        context.__enter__()
        self._active.append(context)

    def _leave(self, module: nn.Module, args: tuple, output: Any) -> None:
        self._active.pop().__exit__(None, None, None)


def plan_speed(
    precision: Optional[str] = None,
    fp16: Any = None,
    amp: Union[bool, str] = False,
    channels_last: Any = False,
    compile: Any = None,
    device_type: Optional[str] = None,
) -> SpeedPlan:
    """The :class:`SpeedPlan` of a run.

    Args:
        precision: The config key ``precision`` (``'fp32'``, ``'tf32'``,
            ``'bf16'``, ``'fp16'``) or None.
        fp16: A float16-with-loss-scaling request (0.x ``fp16=dict(loss_scale=...)``,
            a 1.x ``AmpOptimWrapper``) or None.
        amp: ``--amp`` (False, True or a precision name); it wins over the config.
        channels_last: The config key ``channels_last`` (or ``--channels-last``).
        compile: The config key ``compile`` (True, False/None or ``torch.compile`` kwargs).
        device_type: ``'cuda'`` or ``'cpu'``; default: CUDA when available.

    Returns:
        The :class:`SpeedPlan`, with notes about fallbacks and overrides.

    Raises:
        ConfigError: For a value of the wrong kind.
    """
    if not isinstance(channels_last, bool):
        raise ConfigError(f'channels_last={channels_last!r}: use True or False')
    resolved = resolve_precision(precision, fp16, amp, device_type)
    plan = SpeedPlan(
        precision=resolved,
        channels_last=channels_last,
        compile=compile_kwargs(compile),
        notes=list(resolved.notes),
    )
    plan.notes.append(f'Model execution: {plan.describe()}.')
    return plan
