"""Numeric precision of a run: the config key ``precision`` and ``--amp``.

``fp32``
    float32 everywhere, TF32 off for matrix products and convolutions.
``tf32``
    float32 tensors, TF32 tensor cores on for matrix products and
    convolutions (PyTorch's default for cuDNN convolutions on CUDA).
``bf16``
    bfloat16 autocast, no loss scaling (bfloat16 has float32's range).
``fp16``
    float16 autocast with loss scaling (mmengine's ``AmpOptimWrapper``).

An option the hardware lacks (bfloat16 on a GPU or CPU without bfloat16
units, float16 on the CPU) is reported in one line and the run falls back
to ``fp32`` instead of crashing or crawling.
"""

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, ContextManager, List, Optional, Union

import torch

from mmaction.utils.errors import ConfigError

#: Values of the config key ``precision`` (and ``--precision`` of the benchmark).
PRECISIONS = ('fp32', 'tf32', 'bf16', 'fp16')
#: Autocast dtype of the mixed precisions.
AUTOCAST_DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}
#: The same dtypes by their torch names (``'bfloat16'``, ``'float16'``), as loop configs give them.
DTYPES_BY_NAME = {str(dtype).removeprefix('torch.'): dtype for dtype in AUTOCAST_DTYPES.values()}
#: ``--amp`` without a dtype: each device's usual mixed precision (as before).
AMP_DEFAULT = {'cuda': 'fp16', 'cpu': 'bf16'}


@dataclass
class Precision:
    """The precision a run uses, after hardware checks.

    Attributes:
        name: One of :data:`PRECISIONS`, or ``'default'`` when nothing was
            asked for (float32, PyTorch's TF32 defaults left alone).
        device_type: ``'cuda'`` or ``'cpu'``.
        loss_scale: ``fp16`` only: ``'dynamic'``, a float (static scale) or a
            dict of ``torch.amp.GradScaler`` arguments.
        notes: Lines for the log (fallbacks, overrides).
    """

    name: str = 'default'
    device_type: str = 'cpu'
    loss_scale: Any = 'dynamic'
    notes: List[str] = field(default_factory=list)

    @property
    def autocast_dtype(self) -> Optional[torch.dtype]:
        """torch.dtype | None: The autocast dtype; None for float32 runs."""
        return AUTOCAST_DTYPES.get(self.name)

    @property
    def autocast_dtype_name(self) -> Optional[str]:
        """str | None: The autocast dtype's torch name (``'bfloat16'``); None for float32."""
        dtype = self.autocast_dtype
        return None if dtype is None else str(dtype).removeprefix('torch.')

    @property
    def allow_tf32(self) -> Optional[bool]:
        """bool | None: The TF32 switch for CUDA; None leaves PyTorch's default."""
        if self.name == 'default':
            return None
        return self.name != 'fp32'

    def autocast(self) -> ContextManager:
        """``torch.autocast`` for this precision (a no-op context for float32)."""
        if self.autocast_dtype is None:
            return nullcontext()
        return torch.autocast(self.device_type, dtype=self.autocast_dtype)


def set_tf32(allow: Optional[bool]) -> None:
    """Turn TF32 on or off for CUDA matrix products and cuDNN convolutions.

    Args:
        allow: True/False; None leaves the current setting.
    """
    if allow is None:
        return
    torch.backends.cuda.matmul.allow_tf32 = allow
    torch.backends.cudnn.allow_tf32 = allow


def default_device_type() -> str:
    """The device type a run uses: ``'cuda'`` when a GPU is visible, else ``'cpu'``."""
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def bf16_supported(device_type: str) -> bool:
    """Whether the device computes in bfloat16 natively (not emulated).

    On the CPU this is oneDNN's own test (AVX512 or newer); without it
    bfloat16 convolutions run several times slower than float32.
    """
    if device_type == 'cuda':
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported(including_emulation=False)
    if device_type == 'cpu':
        return torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    return False


def _check_name(value: Any, where: str) -> str:
    if value not in PRECISIONS:
        raise ConfigError(
            f'{where}={value!r} is not a precision: use one of {", ".join(map(repr, PRECISIONS))}'
        )
    return value


def _requested(
    precision: Optional[str], fp16: Optional[dict], amp: Union[bool, str], device_type: str
) -> Optional[str]:
    """The precision asked for by ``--amp``, the ``precision`` key or 0.x's ``fp16`` key."""
    if precision is not None:
        _check_name(precision, 'precision')
    if fp16 is not None and precision not in (None, 'fp16'):
        raise ConfigError(
            f'The config has both fp16={fp16!r} (float16 with loss scaling) and '
            f'precision={precision!r}: keep one of them'
        )
    if amp:
        return AMP_DEFAULT.get(device_type, 'fp16') if amp is True else _check_name(amp, '--amp')
    if precision is not None:
        return precision
    if fp16 is not None:
        # 0.x's fp16 key meant "mixed precision" as --amp does: bfloat16 on the CPU.
        return AMP_DEFAULT.get(device_type, 'fp16')
    return None


def resolve_precision(
    precision: Optional[str] = None,
    fp16: Optional[dict] = None,
    amp: Union[bool, str] = False,
    device_type: Optional[str] = None,
) -> Precision:
    """Decide the precision of a run and check that the hardware has it.

    ``--amp`` wins over the config; ``--amp`` without a dtype and 0.x's
    ``fp16`` key mean float16 with loss scaling on CUDA and bfloat16 on the
    CPU, as they did before ``precision`` existed.

    Args:
        precision: The config's ``precision`` (one of :data:`PRECISIONS`).
        fp16: 0.x's ``fp16`` dict (``loss_scale``), or None.
        amp: ``--amp``: False, True (the device's usual dtype), ``'bf16'`` or
            ``'fp16'``.
        device_type: ``'cuda'`` or ``'cpu'``; default: CUDA when available.

    Returns:
        The :class:`Precision`, with a note for every fallback.

    Raises:
        ConfigError: For an unknown name or contradicting keys.
    """
    device_type = device_type or default_device_type()
    name = _requested(precision, fp16, amp, device_type)
    notes: List[str] = []
    if amp and precision is not None and name != precision:
        notes.append(f'--amp overrides precision={precision!r}: using {name}.')
    loss_scale = (fp16 or {}).get('loss_scale', 'dynamic')
    if name == 'bf16' and not bf16_supported(device_type):
        notes.append(
            f'bf16 requested, but this {device_type.upper()} has no native bfloat16 '
            '(it would run emulated and slower): using fp32.'
        )
        name = 'fp32'
    elif name == 'fp16' and device_type != 'cuda':
        notes.append('fp16 requested, but float16 with loss scaling needs a CUDA GPU: using fp32.')
        name = 'fp32'
    elif name == 'tf32' and device_type != 'cuda':
        notes.append('tf32 only changes CUDA matrix products and convolutions: fp32 on the CPU.')
    return Precision(name or 'default', device_type, loss_scale, notes)
