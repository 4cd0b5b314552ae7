"""Weight initialisation and pretrained-weight loading shared by the ResNet backbones.

Every parameter of the ResNet family lives in an ``mmcv.cnn.ConvModule``
(``<name>.conv`` + ``<name>.bn``), so loading a checkpoint means finding, for
each ConvModule, the conv and batch-norm tensors under one of two naming
schemes:

- torchvision: ``conv1.weight`` / ``bn1.*``, ``layerX.Y.convZ.weight`` /
  ``layerX.Y.bnZ.*``, ``layerX.Y.downsample.0.weight`` / ``downsample.1.*``;
- MMAction2: ``<name>.conv.weight`` / ``<name>.bn.*``, optionally with a
  ``backbone.`` prefix (a whole recognizer's checkpoint) and with the
  ``.net`` segments that TSM's shift and pooling wrappers insert.

A 4-d (2D) conv kernel loaded into a 5-d (3D) conv is inflated: repeated along
time and divided by the temporal kernel size, so that a clip of identical
frames gives the 2D network's response.
"""

from typing import Dict, Iterable, List, Optional, Tuple

import torch
from mmcv.cnn import ConvModule
from mmengine.logging import print_log
from mmengine.model import constant_init, kaiming_init
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

# Wrapper modules (temporal shift / temporal pool) hold the wrapped module as
# ``net``; checkpoints made before wrapping do not have that segment.
_WRAPPER_SEGMENT = 'net'


def _normalize_name(name: str) -> str:
    parts = [p for p in name.split('.') if p != _WRAPPER_SEGMENT]
    if parts and parts[0] == 'backbone':
        parts = parts[1:]
    return '.'.join(parts)


def _inner_conv(conv_module: ConvModule) -> nn.Module:
    conv = conv_module.conv
    while hasattr(conv, _WRAPPER_SEGMENT) and not hasattr(conv, 'weight'):
        conv = getattr(conv, _WRAPPER_SEGMENT)
    return conv


def _conv_candidates(name: str, tensor_name: str) -> List[str]:
    if name.split('.')[-1] == 'downsample':
        torchvision_name = f'{name}.0.{tensor_name}'
    else:
        torchvision_name = f'{name}.{tensor_name}'
    return [torchvision_name, f'{name}.conv.{tensor_name}']


def _bn_candidates(name: str, tensor_name: str) -> List[str]:
    parts = name.split('.')
    if parts[-1] == 'downsample':
        torchvision_name = f'{name}.1.{tensor_name}'
    else:
        parts[-1] = parts[-1].replace('conv', 'bn')
        torchvision_name = '.'.join(parts) + f'.{tensor_name}'
    return [torchvision_name, f'{name}.bn.{tensor_name}']


def _fits(dst: torch.Tensor, src: torch.Tensor, allow_inflate: bool) -> bool:
    if dst.shape == src.shape:
        return True
    return (
        allow_inflate and dst.dim() == src.dim() + 1 and dst.shape[:2] + dst.shape[3:] == src.shape
    )


def _assign(dst: torch.Tensor, src: torch.Tensor) -> None:
    src = src.to(device=dst.device, dtype=dst.dtype)
    if dst.dim() == src.dim() + 1:
        kernel_t = dst.shape[2]
        src = src.unsqueeze(2).expand_as(dst) / kernel_t
    dst.copy_(src)


class _Loader:
    """Matches a ConvModule-based model against one checkpoint state dict."""

    def __init__(self, state_dict: Dict[str, torch.Tensor], allow_inflate: bool):
        self.allow_inflate = allow_inflate
        self.by_name: Dict[str, str] = {}
        for key in state_dict:
            self.by_name.setdefault(_normalize_name(key), key)
        self.state_dict = state_dict
        self.used: set = set()
        self.problems: List[str] = []

    def load(self, dst: torch.Tensor, candidates: Iterable[str], what: str) -> None:
        candidates = list(candidates)
        for cand in candidates:
            key = self.by_name.get(cand)
            if key is None:
                continue
            src = self.state_dict[key]
            if not _fits(dst, src, self.allow_inflate):
                self.problems.append(
                    f'{what}: shape {tuple(dst.shape)} does not fit checkpoint '
                    f'{key} {tuple(src.shape)}'
                )
                return
            _assign(dst, src)
            self.used.add(key)
            return
        self.problems.append(f'{what}: none of {candidates} in the checkpoint')

    def load_conv_module(self, module_name: str, module: ConvModule) -> None:
        name = _normalize_name(module_name)
        conv = _inner_conv(module)
        for tensor_name, tensor in conv.named_parameters(recurse=False):
            self.load(tensor.data, _conv_candidates(name, tensor_name), f'{module_name}.conv')
        if module.with_norm:
            norm = module.norm
            tensors = list(norm.named_parameters(recurse=False))
            tensors += list(norm.named_buffers(recurse=False))
            for tensor_name, tensor in tensors:
                if tensor is None:
                    continue
                candidates = _bn_candidates(name, tensor_name)
                if tensor_name == 'num_batches_tracked' and not any(
                    c in self.by_name for c in candidates
                ):
                    # Older checkpoints predate this buffer; nothing is lost.
                    continue
                self.load(tensor.data, candidates, f'{module_name}.bn')


def load_resnet_weights(
    model: nn.Module, filename: str, allow_inflate: bool
) -> Tuple[List[str], List[str]]:
    """Load a ResNet checkpoint (torchvision or MMAction2 naming) into ``model``.

    Args:
        model (nn.Module): A backbone whose parameters all live in
            ``ConvModule`` instances.
        filename (str): Path, URL or ``torchvision://NAME`` of the checkpoint.
        allow_inflate (bool): Whether 2D conv kernels may be inflated into the
            model's 3D kernels.

    Returns:
        tuple[list[str], list[str]]: The checkpoint keys that were not used,
        and a description of each model tensor that got no value.
    """
    from mmaction.utils.checkpoint import get_state_dict, load_checkpoint_file

    state_dict = get_state_dict(load_checkpoint_file(filename, map_location='cpu'))
    loader = _Loader(state_dict, allow_inflate)
    with torch.no_grad():
        for module_name, module in model.named_modules():
            if isinstance(module, ConvModule):
                loader.load_conv_module(module_name, module)
    unused = sorted(set(state_dict) - loader.used)
    cls_name = type(model).__name__
    print_log(f'{cls_name}: loaded {len(loader.used)} tensors from {filename}', logger='current')
    if loader.problems:
        print_log(
            f'{cls_name}: these tensors were not loaded from {filename}: '
            + '; '.join(loader.problems),
            logger='current',
            level=30,
        )
    if unused:
        print_log(
            f'{cls_name}: these checkpoint entries of {filename} were not used: {unused}',
            logger='current',
        )
    return unused, loader.problems


def init_random_weights(model: nn.Module, conv_types: Tuple[type, ...]) -> None:
    """Kaiming-normal (fan-out) convs and unit-scale, zero-shift norms, as MMAction2 0.x."""
    for m in model.modules():
        if isinstance(m, conv_types):
            kaiming_init(m)
        elif isinstance(m, (_BatchNorm, nn.GroupNorm)):
            constant_init(m, 1)


def check_pretrained(pretrained: Optional[str]) -> None:
    """Raise a TypeError unless ``pretrained`` is a string or None."""
    if pretrained is not None and not isinstance(pretrained, str):
        raise TypeError(f'pretrained must be a str or None, got {type(pretrained).__name__}')


def freeze_module(module: nn.Module) -> None:
    """Put ``module`` in eval mode and stop gradients to its parameters."""
    module.eval()
    for param in module.parameters():
        param.requires_grad = False


def norm_layers_eval(model: nn.Module) -> None:
    """Put every batch-norm layer of ``model`` in eval mode (frozen running statistics)."""
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            m.eval()
