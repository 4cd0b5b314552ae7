"""Loading pretrained weights to fine-tune on other classes (``load_class_rows='by_name'``).

A config written by ``tools/new_config.py`` starts from a checkpoint trained
on other classes. Everything but the class layers of the heads (the last
linear layer of ``cls_head`` and of the TPN auxiliary head) must fit: a
checkpoint of another architecture is an error naming the first keys that
do not fit, before the first iteration. The class layers are matched row by
row by class name: the checkpoint's names (``meta.dataset_meta.classes``,
which mmengine saves from the training data set's ``label_file``) against
the training data set's. A class the checkpoint does not name, or every
class when either side names none, starts from the fresh initialisation:
rows of a head trained on other classes would score the wrong ones.
"""

import re
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn

from mmaction.utils import StateDictFit, compare_state_dict, get_state_dict
from mmaction.utils.errors import CheckpointError

__all__ = ['CLASS_ROW_MODES', 'check_fine_tune_fit', 'class_layer_keys', 'load_for_fine_tuning']

#: Values of the config key ``load_class_rows``: MMAction2's loading, or by class name.
CLASS_ROW_MODES = ('by_position', 'by_name')
#: The modules whose last linear layer scores the classes.
HEAD_MODULES = ('cls_head', 'neck.aux_head')


def class_layer_keys(model: nn.Module, num_classes: int) -> List[str]:
    """Weight and bias keys of the heads' linear layers with one output per class."""
    keys = []
    for name, module in model.named_modules():
        in_head = any(name == head or name.startswith(head + '.') for head in HEAD_MODULES)
        if in_head and isinstance(module, nn.Linear) and module.out_features == num_classes:
            keys += [f'{name}.{p}' for p, _ in module.named_parameters(recurse=False)]
    return keys


def checkpoint_classes(checkpoint: dict) -> Optional[List[str]]:
    """The class names a checkpoint's training data set had (mmengine's ``dataset_meta``)."""
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    names = ((meta or {}).get('dataset_meta') or {}).get('classes')
    return [str(name) for name in names] if names else None


def _state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    state = get_state_dict(checkpoint)
    return OrderedDict((re.sub(r'^module\.', '', k), v) for k, v in state.items())


def _class_rows(
    own: torch.Tensor,
    theirs: Optional[torch.Tensor],
    classes: Sequence[str],
    old: Optional[Sequence[str]],
) -> torch.Tensor:
    """``own`` (freshly initialised) with the rows of the classes ``old`` also names."""
    rows = own.detach().clone()
    if (
        theirs is None
        or not old
        or theirs.shape[0] != len(old)
        or theirs.shape[1:] != own.shape[1:]
    ):
        return rows
    index = {name: i for i, name in enumerate(old)}
    for row, name in enumerate(classes):
        if name in index:
            rows[row] = theirs[index[name]].to(rows.dtype)
    return rows


def check_fine_tune_fit(
    model: nn.Module, checkpoint: dict, num_classes: int, name: str = 'checkpoint'
) -> Tuple[StateDictFit, List[str], Dict[str, torch.Tensor]]:
    """Check that everything but the heads' class layers of ``model`` is in ``checkpoint``.

    Args:
        model: The model.
        checkpoint: The loaded checkpoint dict.
        num_classes: The model's number of classes (what its class layers output).
        name: The checkpoint's file name or URL, for messages.

    Returns:
        ``(fit, class_keys, state)``: how the other tensors fit, the class
        layers' keys, and the checkpoint's weights (``module.`` removed).

    Raises:
        CheckpointError: A tensor outside the class layers is missing from
            the checkpoint or has another shape there: naming the first ones.
    """
    class_keys = class_layer_keys(model, num_classes)
    state = _state_dict(checkpoint)
    fit = compare_state_dict(
        {k: v for k, v in model.state_dict().items() if k not in class_keys},
        {k: v for k, v in state.items() if k not in class_keys},
    )
    if not fit.complete:
        raise CheckpointError(
            f'{name} does not fit {type(model).__name__} ({len(fit.mismatched)} tensors of '
            f'another shape, {len(fit.missing)} missing): {fit.describe_mismatch()}. It is a '
            "checkpoint of another architecture: give one of the base config's model"
        )
    return fit, class_keys, state


def load_for_fine_tuning(
    model: nn.Module,
    checkpoint: dict,
    classes: Optional[Sequence[str]],
    name: str = 'checkpoint',
) -> str:
    """Load ``checkpoint`` into ``model``, the heads' class rows matched by name.

    Args:
        model: The model (its class layers freshly initialised).
        checkpoint: The loaded checkpoint dict.
        classes: The class names of the training data set (None: unknown).
        name: The checkpoint's file name or URL, for messages.

    Returns:
        One line: what was loaded and how many classes kept their rows.

    Raises:
        CheckpointError: A tensor outside the class layers is missing from
            the checkpoint or has another shape there.
    """
    own = model.state_dict()
    num_classes = len(classes) if classes else getattr(model.cls_head, 'num_classes', 0)
    fit, class_keys, state = check_fine_tune_fit(model, checkpoint, num_classes, name)
    old = checkpoint_classes(checkpoint)
    loaded = OrderedDict((k, state[k]) for k in fit.loaded)
    for key in class_keys:
        loaded[key] = _class_rows(own[key], state.get(key), classes or [], old)
    model.load_state_dict(loaded, strict=False)
    matched = len(set(classes or []) & set(old or []))
    layers = sorted({key.rsplit('.', 1)[0] for key in class_keys})
    if not old or not classes:
        who = 'the checkpoint' if not old else 'the training data (label_file)'
        rows = f'{who} names no classes: {", ".join(layers)} start fresh'
    else:
        rows = f'{", ".join(layers)}: {matched} of {len(classes)} classes matched by name'
    return f'Loaded {name}: {len(fit.loaded)} tensors loaded, {len(fit.unexpected)} unused; {rows}'
