"""MMAction2-0.x-style API: training and testing (see ``mmaction.engine``) and inference."""

from mmaction.engine.testing import test_model
from mmaction.engine.training import train_model

from .inference import (
    RecognitionResult,
    TopK,
    inference_recognizer,
    inference_recognizers,
    init_recognizer,
)
from .inference_pipeline import Views

__all__ = [
    'RecognitionResult',
    'TopK',
    'Views',
    'inference_recognizer',
    'inference_recognizers',
    'init_recognizer',
    'test_model',
    'train_model',
]
