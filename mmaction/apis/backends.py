"""The backends a recognizer runs on: PyTorch, or its ONNX export in ONNX Runtime.

``init_recognizer(..., backend=...)``, ``tools/test.py --backend`` and the
demos' ``--backend`` take :data:`BACKENDS`. The ``onnxruntime`` backend
(:mod:`mmaction.deploy.onnx_backend`) exports the checkpoint once into a
cache and runs it on the CPU; it computes the test-time scores only, so what
needs the PyTorch modules (``outputs=`` features, training) asks for the
``pytorch`` backend by name.
"""

import logging
from typing import Any, Optional, Union

import torch
from mmengine.logging import print_log
from torch import nn

from mmaction.engine.input_spec import VideoInputSpec, read_test_input_spec
from mmaction.engine.speed.plan import SpeedPlan
from mmaction.utils.errors import ConfigError

__all__ = [
    'BACKENDS',
    'ONNXRUNTIME',
    'PYTORCH',
    'backend_of',
    'build_onnx_recognizer',
    'check_backend',
    'require_pytorch',
    'test_input_spec',
]

PYTORCH = 'pytorch'
ONNXRUNTIME = 'onnxruntime'
#: The backends, as ``--backend`` spells them.
BACKENDS = (PYTORCH, ONNXRUNTIME)


def check_backend(
    backend: str, device: Union[str, torch.device, None] = None, checkpoint: Optional[str] = None
) -> str:
    """Check a backend name, that ``device`` is one it runs on and that it can load ``checkpoint``.

    Raises:
        ConfigError: An unknown backend, ``onnxruntime`` on a device other
            than the CPU, or an ``.onnx`` file for the ``pytorch`` backend.
    """
    if backend not in BACKENDS:
        raise ConfigError(f'backend={backend!r} is not a backend: choose one of {list(BACKENDS)}')
    if backend == PYTORCH and str(checkpoint or '').endswith('.onnx'):
        raise ConfigError(
            f"{checkpoint} is an ONNX export: run it with backend='onnxruntime' "
            '(tools/test.py --onnx), or give the PyTorch checkpoint'
        )
    if backend == ONNXRUNTIME and device is not None and torch.device(device).type != 'cpu':
        raise ConfigError(
            f"backend='onnxruntime' runs on the CPU only, not on {device}: pass device='cpu' "
            "(--device cpu), or use backend='pytorch' on the GPU"
        )
    return backend


def backend_of(model: nn.Module) -> str:
    """The backend a recognizer runs on: ``'pytorch'`` or ``'onnxruntime'``."""
    return getattr(model, 'backend', PYTORCH)


def require_pytorch(model: nn.Module, feature: str) -> None:
    """Refuse ``feature`` on a recognizer of another backend, naming the PyTorch backend.

    Args:
        model: The recognizer.
        feature: What needs PyTorch, e.g. ``'outputs='`` (module features).

    Raises:
        ConfigError: The model runs on ONNX Runtime.
    """
    if backend_of(model) != PYTORCH:
        raise ConfigError(
            f'{feature} needs the PyTorch backend: the ONNX Runtime export computes the class '
            "scores only; build the model with init_recognizer(..., backend='pytorch')"
        )


def test_input_spec(cfg: Any) -> VideoInputSpec:
    """The input of one test video, which fixes the frames and size of the export.

    Raises:
        ConfigError: The test pipeline does not fix them.
    """
    try:
        return read_test_input_spec(cfg)
    except (KeyError, ValueError) as err:
        raise ConfigError(
            f"backend='onnxruntime' needs the test pipeline's input size ({err}); "
            "use backend='pytorch' with this config"
        ) from err


def build_onnx_recognizer(
    model_cfg: dict,
    checkpoint: Optional[str],
    spec: Optional[VideoInputSpec],
    speed: Optional[SpeedPlan] = None,
    fuse_conv_bn: bool = False,
) -> nn.Module:
    """The ``onnxruntime`` recognizer of a model config and checkpoint (see the module doc).

    A checkpoint ending with ``.onnx`` is an export already, opened as it is
    (``spec`` is not needed then); any other is exported for ``spec``.
    The speed plan's precision and compilation are for PyTorch: ONNX Runtime
    runs float32, which a warning says when the config asks for more.
    """
    from mmaction.deploy.onnx_backend import (
        OnnxBackendOptions,
        load_onnx_recognizer,
        onnx_recognizer,
    )

    if speed is not None and (speed.precision.autocast_dtype is not None or speed.compile):
        print_log(
            f'The onnxruntime backend runs float32 without torch.compile ({speed.describe()} '
            'is for the PyTorch backend)',
            logger='current',
            level=logging.WARNING,
        )
    options = OnnxBackendOptions(fuse_conv_bn=fuse_conv_bn)
    if checkpoint is not None and str(checkpoint).endswith('.onnx'):
        return load_onnx_recognizer(model_cfg, str(checkpoint), options)
    model, source = onnx_recognizer(model_cfg, checkpoint, spec, options)
    print_log(f'ONNX Runtime runs {model.onnx_file} ({source})', logger='current')
    return model
