"""Tests of loading a checkpoint of other classes for fine-tuning (``load_class_rows='by_name'``)."""

import copy

import pytest
import torch
from tpn_run_helpers import CONFIG

from mmaction.engine.config.convert import model_cfg_for_testing
from mmaction.engine.config.loader import load_config
from mmaction.engine.model_builder import build_model
from mmaction.engine.runtime.fine_tune_load import class_layer_keys, load_for_fine_tuning
from mmaction.utils.errors import CheckpointError

CLASS_LAYERS = ['cls_head.fc_cls.bias', 'cls_head.fc_cls.weight', 'neck.aux_head.fc.bias',
                'neck.aux_head.fc.weight']  # fmt: skip


def _model(num_classes, base_channels=8, seed=0):
    cfg = copy.deepcopy(model_cfg_for_testing(load_config(CONFIG)))
    cfg['cls_head']['num_classes'] = cfg['neck']['aux_head_cfg']['out_channels'] = num_classes
    cfg['backbone']['base_channels'] = base_channels
    torch.manual_seed(seed)
    return build_model(cfg)


def _checkpoint(model, classes):
    meta = dict(dataset_meta=dict(classes=classes)) if classes else {}
    return dict(state_dict=copy.deepcopy(model.state_dict()), meta=meta)


@pytest.fixture(scope='module')
def old():
    """A 3-class model, its classes 'jump', 'run', 'swim'."""
    return _model(3, seed=1)


def test_class_layers_of_both_heads(old):
    assert sorted(class_layer_keys(old, 3)) == CLASS_LAYERS


def test_rows_follow_the_class_names(old):
    new = _model(4)
    fresh = copy.deepcopy(new.state_dict())
    line = load_for_fine_tuning(new, _checkpoint(old, ['jump', 'run', 'swim']),
                                ['swim', 'walk', 'jump', 'dance'], 'old.pth')  # fmt: skip
    state, theirs = new.state_dict(), old.state_dict()
    for key in CLASS_LAYERS:
        assert torch.equal(state[key][0], theirs[key][2])  # swim
        assert torch.equal(state[key][2], theirs[key][0])  # jump
        # walk and dance: the checkpoint does not know them, fresh rows.
        assert torch.equal(state[key][1], fresh[key][1])
        assert torch.equal(state[key][3], fresh[key][3])
    other = 'backbone.conv1.conv.weight'
    assert torch.equal(state[other], theirs[other]) and not torch.equal(state[other], fresh[other])
    assert line.startswith('Loaded old.pth: ')
    assert line.endswith('cls_head.fc_cls, neck.aux_head.fc: 2 of 4 classes matched by name')


def test_checkpoint_without_class_names_starts_the_heads_fresh(old):
    new = _model(3)
    fresh = copy.deepcopy(new.state_dict())
    line = load_for_fine_tuning(new, _checkpoint(old, None), ['a', 'b', 'c'], 'old.pth')
    assert 'the checkpoint names no classes: cls_head.fc_cls, neck.aux_head.fc start fresh' in line
    for key in CLASS_LAYERS:
        assert torch.equal(new.state_dict()[key], fresh[key])


def test_other_architecture_names_the_first_keys(old):
    wide = _model(3, base_channels=16)
    with pytest.raises(CheckpointError) as error:
        load_for_fine_tuning(wide, _checkpoint(old, ['a', 'b', 'c']), ['a', 'b', 'c'], 'old.pth')
    message = str(error.value)
    assert message.startswith('old.pth does not fit Recognizer3D (')
    assert 'backbone.conv1.conv.weight' in message
    assert "checkpoint of another architecture: give one of the base config's model" in message
