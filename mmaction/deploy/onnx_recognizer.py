"""A recognizer that predicts with ONNX Runtime: the ``onnxruntime`` backend.

:class:`OnnxRecognizer` stands in for the PyTorch recognizer wherever only
the test-time prediction is needed: the inference API and the demos
(``inference_recognizer(s)``) and the test loop of ``tools/test.py``. The
batch goes through the recognizer's own data preprocessor (in PyTorch: a
cast and a normalization), then through the exported graph, which holds the
backbone, neck, head and the combination of the views; the per-video results
are split as the PyTorch recognizer's ``test_step`` splits them, so the
metrics and the score files see the same thing.
"""

from typing import Any, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from mmaction.models.recognizers.base import per_video_results
from mmaction.utils import ConfigError

from .onnx_runtime import run_ort_session

__all__ = ['ONNXRUNTIME', 'OnnxRecognizer']

#: The backend's name, as ``--backend`` and ``init_recognizer(backend=...)`` spell it.
ONNXRUNTIME = 'onnxruntime'


def _shape_text(shape: Sequence[Any]) -> str:
    return '(' + ', '.join(str(size) for size in shape) + ')'


class OnnxRecognizer(nn.Module):
    """A recognizer whose forward pass is an ONNX Runtime session, on the CPU.

    Args:
        session: The ``onnxruntime.InferenceSession`` of an export of the
            recognizer's test-time prediction (``RecognizerPredictor``).
        data_preprocessor: The PyTorch recognizer's data preprocessor.
        test_cfg: The PyTorch recognizer's ``test_cfg`` (``average_clips``).
        num_classes: Classes of the head (for checking label maps).
        onnx_file: The file the session runs, for messages.

    Attributes:
        backend (str): ``'onnxruntime'``.
        input_shape (list): The graph's input shape: sizes, or names of the
            dynamic axes.
    """

    backend = ONNXRUNTIME

    def __init__(
        self,
        session: Any,
        data_preprocessor: nn.Module,
        test_cfg: Optional[dict],
        num_classes: Optional[int],
        onnx_file: str,
    ) -> None:
        super().__init__()
        self.session = session
        self.data_preprocessor = data_preprocessor
        self.test_cfg = dict(test_cfg or {})
        self.num_classes = num_classes
        self.onnx_file = onnx_file
        self.input_shape = list(session.get_inputs()[0].shape)
        self.eval()

    def to(self, *args, **kwargs) -> 'OnnxRecognizer':
        """Stay on the CPU: the Runner moves its model to its device, ONNX Runtime runs here."""
        return self

    def cuda(self, *args, **kwargs) -> 'OnnxRecognizer':
        """Stay on the CPU (see :meth:`to`)."""
        return self

    def _check_input(self, shape: Sequence[int]) -> None:
        expected = self.input_shape
        fits = len(shape) == len(expected) and all(
            not isinstance(size, int) or size == got or (axis == 0 and size == 1)
            for axis, (size, got) in enumerate(zip(expected, shape))
        )
        if not fits:
            raise ConfigError(
                f'{self.onnx_file} takes input {_shape_text(expected)} but the test pipeline '
                f'gives {_shape_text(shape)}: export the model for this pipeline '
                '(tools/deployment/pytorch2onnx.py --shape ...), or use the PyTorch backend'
            )

    def predict(self, imgs: torch.Tensor) -> torch.Tensor:
        """Per-video scores of a preprocessed batch, as ``forward(imgs, mode='predict')``.

        A graph exported for one video (a static batch axis of 1) is run once
        per video of the batch.
        """
        self._check_input(tuple(imgs.shape))
        imgs = imgs.detach().float().cpu().contiguous()
        if self.input_shape[0] == 1 and imgs.shape[0] != 1:
            outputs: List[np.ndarray] = [run_ort_session(self.session, x[None]) for x in imgs]
            return torch.from_numpy(np.concatenate(outputs))
        return torch.from_numpy(run_ort_session(self.session, imgs))

    def forward(
        self, imgs: torch.Tensor, label: Optional[torch.Tensor] = None, mode: str = 'predict', **_
    ) -> torch.Tensor:
        """``mode='predict'`` only: the graph holds the test-time prediction, nothing else."""
        if mode != 'predict':
            raise ConfigError(
                f'mode={mode!r} needs the PyTorch backend: the ONNX export computes the '
                "test-time prediction only (mode='predict')"
            )
        return self.predict(imgs)

    def val_step(self, data: dict) -> List[dict]:
        """Predict one collated batch: per-video ``pred_score`` (and ``gt_label``)."""
        data = self.data_preprocessor(data, False)
        return per_video_results(self.predict(data['imgs']), data.get('label'))

    def test_step(self, data: dict) -> List[dict]:
        """Same as :meth:`val_step`."""
        return self.val_step(data)

    def train_step(self, *args, **kwargs) -> None:
        """Not possible: an ONNX Runtime session has no gradients."""
        raise ConfigError('Training needs the PyTorch backend: ONNX Runtime only predicts')
