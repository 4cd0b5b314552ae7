"""MMAction2-0.x-style API: training and testing (see ``mmaction.engine``) and inference.

Inference and testing run on PyTorch or, on the CPU, on ONNX Runtime
(``backend='onnxruntime'``, see :mod:`.backends`).
"""

from mmaction.engine.training import train_model

from .backends import BACKENDS
from .inference import (
    RecognitionResult,
    TopK,
    inference_recognizer,
    inference_recognizers,
    init_recognizer,
)
from .inference_pipeline import Views
from .testing import test_model

__all__ = [
    'BACKENDS',
    'RecognitionResult',
    'TopK',
    'Views',
    'inference_recognizer',
    'inference_recognizers',
    'init_recognizer',
    'test_model',
    'train_model',
]
