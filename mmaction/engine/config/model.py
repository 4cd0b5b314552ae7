"""The ``model`` of a config, checked before anything is built.

Both dialects describe the same recognizers (1.x moved ``average_clips``
from ``model.test_cfg`` onto ``model.cls_head``; the recognizers take
either). The number of classes of a TPN's auxiliary head must be the
classification head's: leaving one at the old value is the usual slip when
fine-tuning to other classes.
"""

import copy
from typing import Any, Optional

from .checks import ConfigError


def head_num_classes(model: dict) -> Optional[int]:
    """``model.cls_head.num_classes`` of a model config, or None (no head)."""
    head = model.get('cls_head')
    return head.get('num_classes') if isinstance(head, dict) else None


def set_average_clips(model: dict, average_clips: Any) -> None:
    """Set how test views are averaged, where the config keeps it (the head in 1.x), in place."""
    head = model.get('cls_head')
    if isinstance(head, dict) and 'average_clips' in head:
        head['average_clips'] = average_clips
        return
    model['test_cfg'] = dict(model.get('test_cfg') or {}, average_clips=average_clips)


def check_aux_head(model: dict) -> None:
    """A TPN's auxiliary head must score the classification head's classes."""
    neck = model.get('neck')
    aux = neck.get('aux_head_cfg') if isinstance(neck, dict) else None
    classes = head_num_classes(model)
    if not isinstance(aux, dict) or classes is None or aux.get('out_channels') is None:
        return
    if aux['out_channels'] != classes:
        raise ConfigError(
            f'model.neck.aux_head_cfg.out_channels={aux["out_channels"]} but '
            f'model.cls_head.num_classes={classes}: the TPN auxiliary head scores the same '
            f'classes, so set both to {classes}'
        )


def _turn_off_pretrained(node: Any) -> None:
    """Clear every ``pretrained`` of a model config: test weights come from the checkpoint."""
    if isinstance(node, dict):
        if 'pretrained' in node:
            node['pretrained'] = None
        for value in node.values():
            _turn_off_pretrained(value)
    elif isinstance(node, list):
        for value in node:
            _turn_off_pretrained(value)


def runner_model_cfg(model: Any, testing: bool = False) -> dict:
    """The model config to build, checked.

    Args:
        model: The config's ``model``.
        testing: Clear every ``pretrained``: a test run takes all weights
            from its checkpoint.

    Returns:
        A new model config.

    Raises:
        ConfigError: No model dict, or a TPN auxiliary head with another
            number of classes.
    """
    if not isinstance(model, dict) or 'type' not in model:
        raise ConfigError(f'The config has no `model` dict with a `type`, got {model!r}')
    model = copy.deepcopy(model)
    check_aux_head(model)
    if testing:
        _turn_off_pretrained(model)
    return model
