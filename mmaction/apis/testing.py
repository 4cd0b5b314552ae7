"""``tools/test.py`` with a backend: the engine's test run, its model from PyTorch or ONNX Runtime."""

from typing import Dict, Optional

from mmengine.config import Config
from torch import nn

from mmaction.engine.options import TestOptions
from mmaction.engine.speed.plan import SpeedPlan
from mmaction.engine.testing import test_model as run_test

from .backends import PYTORCH, build_onnx_recognizer, check_backend, test_input_spec

__all__ = ['test_model']


def test_model(
    cfg: Config,
    checkpoint: str,
    config_path: Optional[str] = None,
    options: Optional[TestOptions] = None,
    backend: str = PYTORCH,
) -> Dict[str, float]:
    """Test a checkpoint on the config's test data, with PyTorch or ONNX Runtime.

    Args:
        cfg: The config (either dialect), after ``--cfg-options``.
        checkpoint: Checkpoint path or URL; with ``backend='onnxruntime'``
            also an ``.onnx`` export (``tools/test.py --onnx``), which is run
            as it is.
        config_path: Path of the config file.
        options: The options of ``tools/test.py``.
        backend: ``'pytorch'``, or ``'onnxruntime'``: the checkpoint is
            exported once into the cache (with ``--fuse-conv-bn``: after
            folding BatchNorm) and ONNX Runtime computes the scores on the
            CPU; the data loading, metrics and score files are the same.

    Returns:
        The metrics.

    Raises:
        ConfigError: An unknown backend, an ``.onnx`` file for PyTorch, or
            a test pipeline without a fixed input size for ONNX Runtime.
    """
    check_backend(backend, checkpoint=checkpoint)
    if backend == PYTORCH:
        return run_test(cfg, checkpoint, config_path, options)
    # An export's input is fixed already; a checkpoint's is read from the test pipeline.
    spec = None if checkpoint.endswith('.onnx') else test_input_spec(cfg)

    def build(model_cfg: dict, ckpt: str, speed: SpeedPlan, opts: TestOptions) -> nn.Module:
        return build_onnx_recognizer(model_cfg, ckpt, spec, speed, opts.fuse_conv_bn)

    return run_test(cfg, checkpoint, config_path, options, build)


# Not a pytest test, although the name (kept from MMAction2) starts with "test".
test_model.__test__ = False
