"""Keep the outputs of named sub-modules during inference (``outputs=`` of the API)."""

from typing import Any, Callable, Dict, List, Sequence, Union

import numpy as np
import torch
from torch import nn


def _map_tensors(value: Any, fn: Callable[[torch.Tensor], Any]) -> Any:
    """Apply ``fn`` to every tensor of nested tuples, lists and dicts."""
    if isinstance(value, torch.Tensor):
        return fn(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_map_tensors(item, fn) for item in value)
    if isinstance(value, dict):
        return {key: _map_tensors(item, fn) for key, item in value.items()}
    return value


def _concat(calls: List[Any]) -> Any:
    """Join the outputs of several calls of a module along the batch axis."""
    first = calls[0]
    if len(calls) == 1:
        return first
    if isinstance(first, torch.Tensor):
        return torch.cat(calls, dim=0)
    if isinstance(first, (tuple, list)):
        return type(first)(_concat([call[i] for call in calls]) for i in range(len(first)))
    if isinstance(first, dict):
        return {key: _concat([call[key] for call in calls]) for key in first}
    return first


def _split(value: Any, num_videos: int, name: str) -> List[Any]:
    """Cut a batch output into one part per video (views of a video are adjacent)."""
    if isinstance(value, torch.Tensor):
        if value.dim() == 0 or value.shape[0] % num_videos:
            raise RuntimeError(
                f'outputs: {name} gave shape {tuple(value.shape)}, which does not split into '
                f'{num_videos} videos along its first axis'
            )
        if num_videos == 1:
            return [value]
        # Copies, so that one video's part does not keep the whole batch alive.
        return [part.clone() for part in value.chunk(num_videos, dim=0)]
    if isinstance(value, (tuple, list)):
        parts = [_split(item, num_videos, name) for item in value]
        return [type(value)(part[i] for part in parts) for i in range(num_videos)]
    if isinstance(value, dict):
        parts = {key: _split(item, num_videos, name) for key, item in value.items()}
        return [{key: part[i] for key, part in parts.items()} for i in range(num_videos)]
    return [value] * num_videos


def _to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A CPU tensor as a numpy array; bfloat16 (a model run in bf16), which numpy lacks, as float32."""
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.float()
    return tensor.numpy()


class FeatureRecorder:
    """Record what named sub-modules of a model return, per video.

    Use it as a context manager around the forward passes; after each batch,
    :meth:`take` hands out one dict ``{name: output}`` per video of the
    batch. Outputs are detached and moved to the CPU; a module called several
    times in one batch (``max_testing_views`` cuts the views into chunks) has
    its outputs joined along the first axis, and tuples (a neck returns
    ``(features, aux_losses)``) keep their structure.

    Args:
        model: The model.
        names: Dotted module names, e.g. ``'backbone'``, ``'neck'``,
            ``'backbone.layer3'``; a single string is one name.
        as_tensor: Keep torch tensors; False gives numpy arrays.

    Raises:
        ValueError: The model has no module of that name.
    """

    def __init__(self, model: nn.Module, names: Union[str, Sequence[str], None], as_tensor: bool):
        names = (names,) if isinstance(names, str) else tuple(names or ())
        self.modules: Dict[str, nn.Module] = {}
        for name in names:
            try:
                self.modules[name] = model.get_submodule(name)
            except AttributeError:
                top = ', '.join(child for child, _ in model.named_children())
                raise ValueError(
                    f'outputs: the model has no module {name!r}; its modules are {top} '
                    '(give dotted names such as backbone.layer3 for deeper ones)'
                ) from None
        self.as_tensor = as_tensor
        self._calls: Dict[str, List[Any]] = {name: [] for name in self.modules}
        self._handles: List[Any] = []

    def __enter__(self) -> 'FeatureRecorder':
        for name, module in self.modules.items():
            self._handles.append(module.register_forward_hook(self._hook(name)))
        return self

    def __exit__(self, *exc_info) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _hook(self, name: str) -> Callable:
        def keep(module: nn.Module, args: Any, output: Any) -> None:
            self._calls[name].append(_map_tensors(output, lambda t: t.detach().cpu()))

        return keep

    def take(self, num_videos: int) -> List[Dict[str, Any]]:
        """The outputs recorded since the last call, one dict per video of the batch."""
        per_video: List[Dict[str, Any]] = [{} for _ in range(num_videos)]
        for name, calls in self._calls.items():
            if not calls:
                raise ValueError(f'outputs: module {name!r} is not called at inference')
            parts = _split(_concat(calls), num_videos, name)
            calls.clear()
            for video, part in zip(per_video, parts):
                video[name] = part if self.as_tensor else _map_tensors(part, _to_numpy)
        return per_video
