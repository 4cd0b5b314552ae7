"""``torch.compile`` of a recognizer, with a fallback to eager execution.

The ``forward`` of the model's parts (backbone, neck, head) is compiled in
place (an instance attribute), so the module tree, its state-dict keys (no
``_orig_mod.`` prefix: checkpoints stay MMAction2's) and the DDP wrapping are
those of the eager model. Dynamo guards on ``training`` and on the grad
mode, so training and validation get a graph each; a short last batch gives
one more, with a dynamic batch size, which later batches of any size reuse.

Where compilation cannot work (no C++ compiler for the CPU backend, no Triton
for CUDA, a backend error on the model) the run says so in one warning line
and goes on eagerly.
"""

import copy
import inspect
import logging
from collections import Counter
from typing import Any, Callable, Dict, List, Optional, Union

import torch
from mmengine.logging import print_log

from mmaction.utils.errors import ConfigError

_COMPILE_ARGS = frozenset(inspect.signature(torch.compile).parameters) - {'model'}


def _one_line(err: BaseException) -> str:
    inner = getattr(err, 'inner_exception', None)  # what a backend raised
    if inner is not None:
        return _one_line(inner)
    text = str(err).strip().splitlines()
    return f'{type(err).__name__}: {text[0] if text else ""}'.rstrip(': ')


def compile_kwargs(value: Union[bool, dict, None], where: str = 'compile') -> Optional[dict]:
    """``torch.compile`` keyword arguments for a config value; None means no compilation.

    Args:
        value: True (defaults), False/None (off) or a dict of ``torch.compile``
            arguments (``backend``, ``mode``, ``dynamic``, ``options``, ...).
        where: The config key, for messages.

    Raises:
        ConfigError: For another type or an argument ``torch.compile`` lacks.
    """
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(
            f'{where}={value!r}: use True, False or a dict of torch.compile arguments'
        )
    unknown = sorted(set(value) - _COMPILE_ARGS)
    if unknown:
        raise ConfigError(
            f'{where}: {", ".join(unknown)} is not a torch.compile argument; '
            f'known: {", ".join(sorted(_COMPILE_ARGS))}'
        )
    return dict(value)


def _compile(fn: Callable, kwargs: dict, where: str) -> Callable:
    try:
        return torch.compile(fn, **kwargs)
    except (TypeError, ValueError, RuntimeError) as err:  # bad backend or mode name
        raise ConfigError(f'{where}={kwargs!r}: {_one_line(err)}') from err


def check_compiler(kwargs: dict, device_type: str) -> Optional[str]:
    """Compile and run a tiny function, forward and backward, with ``kwargs``.

    This finds a missing C++ compiler or Triton in a few seconds, before the
    model is traced.

    Returns:
        None when it worked, else the reason in one line.
    """
    compiled = _compile(lambda x: (torch.sin(x) * 2).sum(), kwargs, 'compile')
    try:
        compiled(torch.ones(8, device=device_type, requires_grad=True)).backward()
    except Exception as err:  # noqa: BLE001  (any failure means: no working compiler)
        return _one_line(err)
    return None


class _Fallback:
    """Shared by the compiled parts of one model: after a compiler error, all run eagerly."""

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name
        self.reason: Optional[str] = None

    def fail(self, err: BaseException) -> None:
        if self.reason is None:
            self.reason = _one_line(err)
            print_log(
                f'torch.compile failed on {self.model_name} ({self.reason}); running it eagerly.',
                logger='current',
                level=logging.WARNING,
            )


class CompiledForward:
    """A module's compiled ``forward`` that turns eager for good on a compiler error.

    Args:
        module: The module whose class ``forward`` is compiled.
        kwargs: ``torch.compile`` arguments.
        fallback: State shared with the other compiled parts of the model.
    """

    def __init__(self, module: torch.nn.Module, kwargs: dict, fallback: _Fallback) -> None:
        self._module = module
        self._eager = type(module).forward.__get__(module)
        self._compiled = _compile(self._eager, kwargs, 'compile')
        self.fallback = fallback

    def __call__(self, *args, **kwargs) -> Any:
        """Run the compiled forward; after a compiler error, the eager one."""
        if self.fallback.reason is None:
            # Errors of the compiler stack (dynamo, AOTAutograd, inductor, backends).
            from torch._dynamo.exc import TorchDynamoException

            try:
                return self._compiled(*args, **kwargs)
            except TorchDynamoException as err:
                self.fallback.fail(err)
        return self._eager(*args, **kwargs)

    def __deepcopy__(self, memo: Dict[int, Any]) -> Callable:
        # A copy of the module (an EMA model, say) gets its own eager forward,
        # never this one, which would run the original's weights.
        module = memo.get(id(self._module))
        if module is None:
            module = copy.deepcopy(self._module, memo)
        return type(module).forward.__get__(module)


def compiled_parts(model: torch.nn.Module) -> List[str]:
    """Names of the children of ``model`` that :func:`compile_model` compiles.

    Every child but the data preprocessor: for a recognizer the backbone,
    the neck and the head, each a tensor-to-tensor network. The recognizer's
    own forward (reshaping, the loss and the host-side accuracies) stays
    eager, so that the graphs have no breaks and no values to specialise on.
    """
    return [name for name, _ in model.named_children() if name != 'data_preprocessor']


def compile_model(model: torch.nn.Module, kwargs: dict, device_type: str) -> bool:
    """Compile the parts of ``model`` (see :func:`compiled_parts`) in place.

    Args:
        model: The model (already in its memory format).
        kwargs: ``torch.compile`` arguments (see :func:`compile_kwargs`).
        device_type: The device the model runs on, for the compiler check.

    Returns:
        Whether the model was compiled (False: a warning line says why).
    """
    reason = check_compiler(kwargs, device_type)
    if reason is not None:
        print_log(
            f'torch.compile does not work here ({reason}); running the model eagerly.',
            logger='current',
            level=logging.WARNING,
        )
        return False
    fallback = _Fallback(type(model).__name__)
    for name in compiled_parts(model):
        part = getattr(model, name)
        part.forward = CompiledForward(part, kwargs, fallback)
    return True


def is_compiled(model: torch.nn.Module) -> bool:
    """Whether the parts of ``model`` run compiled (not eager after a fallback)."""
    forwards = [getattr(model, name).__dict__.get('forward') for name in compiled_parts(model)]
    return bool(forwards) and all(
        isinstance(f, CompiledForward) and f.fallback.reason is None for f in forwards
    )


def graph_breaks() -> Counter:
    """The graph breaks dynamo has met in this process so far, by reason (a copy).

    Dynamo counts each break once, when it compiles the frame; the breaks of
    one stretch of work are the difference of two calls::

        before = graph_breaks()
        ...  # compile and run
        breaks = graph_breaks() - before
    """
    from torch._dynamo.utils import counters

    return Counter(counters['graph_break'])


def first_line(reason: str) -> str:
    """The first line of a dynamo graph-break reason (they run to a dozen lines of hints)."""
    lines = reason.strip().splitlines()
    return lines[0] if lines else ''
