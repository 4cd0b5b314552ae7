"""Mixed precision on the CPU: bfloat16 autocast for the forward pass.

mmengine's ``AmpOptimWrapper`` refuses to run without an accelerator. On the
CPU, bfloat16 keeps float32's exponent range, so no loss scaling is needed:
the wrapper only runs the forward pass under ``torch.autocast('cpu')``.
"""

from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUBFloat16OptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose ``optim_context`` autocasts to bfloat16 on the CPU."""

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        """Accumulation context of the parent, plus CPU bfloat16 autocast."""
        with super().optim_context(model), torch.autocast('cpu', dtype=torch.bfloat16):
            yield
