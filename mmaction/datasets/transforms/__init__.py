"""Data transforms: frame augmentations and the final formatting steps.

The frame decoders and ``SampleFrames`` live in this package too; they are
imported from ``mmaction/datasets/__init__.py``.
"""

from .color_jitter import ColorJitter
from .crops import CenterCrop, RandomCrop, TenCrop, ThreeCrop
from .flip import Flip
from .formatting import Collect, FormatShape, ToTensor, to_tensor
from .fuse import Fuse
from .multi_scale_crop import MultiScaleCrop
from .normalize import Normalize
from .pack_action_inputs import PackActionInputs
from .random_resized_crop import RandomResizedCrop
from .resize import Resize

__all__ = [
    'CenterCrop',
    'Collect',
    'ColorJitter',
    'Flip',
    'FormatShape',
    'Fuse',
    'MultiScaleCrop',
    'Normalize',
    'PackActionInputs',
    'RandomCrop',
    'RandomResizedCrop',
    'Resize',
    'TenCrop',
    'ThreeCrop',
    'ToTensor',
    'to_tensor',
]
