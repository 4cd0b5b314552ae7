"""bfloat16 mixed precision without loss scaling, on any device.

mmengine's ``AmpOptimWrapper`` always scales the loss (and refuses to run
without an accelerator). bfloat16 keeps float32's exponent range, so no
scaling is needed: this wrapper only runs the forward pass under
``torch.autocast`` on the device the model is on.
"""

from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS


def model_device_type(model: torch.nn.Module) -> str:
    """Device type (``'cuda'``, ``'cpu'``) of the model's first parameter or buffer."""
    for tensor in model.parameters():
        return tensor.device.type
    for tensor in model.buffers():
        return tensor.device.type
    return 'cpu'


@OPTIM_WRAPPERS.register_module()
class BFloat16OptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose ``optim_context`` autocasts to bfloat16 on the model's device."""

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        """Accumulation context of the parent, plus bfloat16 autocast."""
        device_type = model_device_type(model)
        with super().optim_context(model), torch.autocast(device_type, dtype=torch.bfloat16):
            yield
