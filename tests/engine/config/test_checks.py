"""Clear errors for unknown ``type=`` names found when building."""

import pytest
from mmengine.config import Config

import mmaction.models  # noqa: F401
from mmaction.engine import ConfigError, explain_registry_errors
from mmaction.engine.config.checks import find_type_paths
from mmaction.registry import MODELS


def test_find_type_paths():
    cfg = dict(model=dict(type='A', neck=[dict(type='B'), dict(type='A')]))
    assert find_type_paths(cfg, 'A') == ['model', 'model.neck[1]']


def test_unknown_model_type_names_key_and_suggests():
    cfg = Config(
        dict(model=dict(type='Recognizer3D', backbone=dict(type='ResNet3dSlowOnyl', depth=18)))
    )
    with pytest.raises(ConfigError) as info, explain_registry_errors(cfg, 'my_config.py'):
        MODELS.build(cfg.model)
    message = str(info.value)
    assert "'ResNet3dSlowOnyl'" in message
    assert 'model.backbone' in message
    assert 'my_config.py' in message
    assert 'ResNet3dSlowOnly' in message  # the suggestion


def test_other_key_errors_pass_through():
    with pytest.raises(KeyError, match='plain'), explain_registry_errors({}):
        raise KeyError('plain')
