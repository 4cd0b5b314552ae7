"""The model of a run: built from its config, weights loaded, speed plan applied.

Every caller that needs "the model for this run" gets it here: the runner of
``tools/train.py`` (:class:`~mmaction.engine.runtime.runner.ActionRunner`
builds its model config with :func:`build_model`), ``tools/test.py``, the
inference API, ``benchmark.py``, ``bench_train.py``, ``get_flops.py`` and
the ONNX export. So a config's ``precision``, ``channels_last`` and
``compile`` mean the same in each of them.

The model config is the one the config conversion produced
(:func:`~mmaction.engine.config.convert.convert_train_config`,
``convert_test_config``, ``convert_inference_config`` or, for tools that
only need a test-time model, ``model_cfg_for_testing``).
"""

import copy
from typing import Optional, Union

import torch
from torch import nn

from mmaction.registry import MODELS
from mmaction.utils import load_checkpoint

from .speed.fuse_conv_bn import fuse_conv_bn as fold_batch_norm
from .speed.plan import SpeedPlan
from .speed.precision import set_tf32

__all__ = ['build_model']


def build_model(
    model_cfg: dict,
    checkpoint: Optional[str] = None,
    *,
    strict: bool = True,
    speed: Optional[SpeedPlan] = None,
    device: Union[str, torch.device, None] = None,
    training: bool = False,
    init_weights: bool = False,
    fuse_conv_bn: bool = False,
    autocast: bool = False,
) -> nn.Module:
    """Build a recognizer, load its weights and apply the run's speed plan.

    The steps, in this order: build ``model_cfg`` (with the plan's
    channels-last input asked of the data preprocessor); load
    ``checkpoint`` (or run ``init_weights``); train or eval mode; fold
    BatchNorm into the convolutions; move to ``device``; channels-last
    weights and ``torch.compile`` of the model's parts; TF32 for the plan's
    precision; with ``autocast``, every forward pass under the precision's
    autocast dtype.

    Args:
        model_cfg: The model config, after the config conversion; not changed.
        checkpoint: Checkpoint path or URL, loaded with ``weights_only=True``
            on the CPU; None keeps the weights the model starts with.
        strict: Whether the checkpoint must fit the model exactly (missing
            keys or other shapes are a :class:`CheckpointError` listing them);
            False loads what fits.
        speed: The run's :class:`SpeedPlan`; None runs fp32 eager as built.
        device: Where the model goes; None leaves it on the CPU (the runner
            moves it).
        training: Train mode (the runner, ``bench_train.py``); else eval mode.
        init_weights: Without a checkpoint, run the model's ``init_weights``
            (pretrained backbones are loaded there); else the constructors'
            initialization is kept.
        fuse_conv_bn: Fold BatchNorm into the preceding convolutions (eval
            mode only).
        autocast: Run every forward pass of the model under the plan's
            autocast dtype, for callers that run the model themselves (the
            inference API, ``benchmark.py``); the runner's loops and the
            optimizer wrapper autocast on their own.

    Returns:
        The recognizer.

    Raises:
        CheckpointError: The checkpoint is damaged, unsafe or (``strict``) does not fit.
        ConfigError: A ``compile`` setting torch.compile refuses.
    """
    import mmaction.models  # noqa: F401  (registers the models)

    if fuse_conv_bn and training:
        raise ValueError('fuse_conv_bn folds the batch statistics of eval mode: not for training')
    model_cfg = copy.deepcopy(model_cfg)
    if speed is not None:
        speed.update_model_cfg(model_cfg)
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=strict)
    elif init_weights:
        model.init_weights()
    model.train(training)
    if fuse_conv_bn:
        model = fold_batch_norm(model)
    if device is not None:
        model = model.to(device)
    if speed is not None:
        speed.apply(model)
        # A process-wide switch, set together with the model it is for.
        set_tf32(speed.precision.allow_tf32)
        if autocast:
            speed.apply_forward_autocast(model)
    return model
