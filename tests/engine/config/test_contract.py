"""The config contract: dialect detection, keys no handler reads, helper variables from the source."""

import pytest
from mmengine.config import Config

from mmaction.engine import ConfigError, load_config
from mmaction.engine.config.contract import (
    ONE_X_KEYS,
    ZERO_X_KEYS,
    KeyReader,
    check_top_level_keys,
    detect_dialect,
)
from mmaction.engine.config.loader import config_dialect, describe_keys

ZERO_X = """
img_norm_cfg = dict(mean=[1, 2, 3], std=[1, 1, 1], to_bgr=False)
train_pipeline = [dict(type='Normalize', **img_norm_cfg)]
model = dict(type='Recognizer3D', backbone=dict(type='X'))
data = dict(videos_per_gpu=2, train=dict(type='VideoDataset', ann_file='a', pipeline=train_pipeline))
optimizer = dict(type='SGD', lr=0.1)
total_epochs = 2
"""
ONE_X = """
train_pipeline = [dict(type='PackActionInputs')]
optimizer = dict(type='SGD', lr=0.1)
model = dict(type='Recognizer3D', backbone=dict(type='X'))
train_dataloader = dict(batch_size=2, dataset=dict(type='VideoDataset', ann_file='a',
                        pipeline=train_pipeline))
optim_wrapper = dict(optimizer=optimizer)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2)
"""


def _write(tmp_path, text, name='cfg.py'):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_dialect_is_detected_from_the_keys(tmp_path):
    assert config_dialect(load_config(_write(tmp_path, ZERO_X))) == '0.x'
    # `optimizer` is a 0.x key, but a helper variable here: optim_wrapper uses it.
    assert config_dialect(load_config(_write(tmp_path, ONE_X))) == '1.x'
    assert detect_dialect(['model', 'work_dir']) == '0.x'  # shared keys only: 0.x


def test_mixed_dialects_are_refused_naming_the_keys_of_each(tmp_path):
    path = _write(tmp_path, ZERO_X + "param_scheduler = [dict(type='MultiStepLR')]\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert 'mixes MMAction2 0.x keys (data, optimizer, total_epochs)' in message
    assert 'with 1.x keys (param_scheduler)' in message


@pytest.mark.parametrize(
    'extra, message',
    [
        # a 1.x key that no other assignment uses, in a 0.x config (with a 0.x marker too)
        ('max_epochs = 3\n', "Top-level key 'max_epochs'.*read by no handler of MMAction2 0.x"),
        ('lr_confg = dict(policy="step")\n', "Unknown top-level key 'lr_confg'.*'lr_config'"),
        ('unused_helper = 3\n', "'unused_helper'.*used by no other assignment"),
        ('omnisource = True\n', '`omnisource` is not supported'),
    ],
)
def test_keys_no_handler_reads_are_errors(tmp_path, extra, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, ZERO_X + extra))


def test_a_key_of_the_other_dialect_names_it(tmp_path):
    with pytest.raises(ConfigError, match=r"'lr_config' is a MMAction2 0\.x key, but .* 1\.x"):
        check_top_level_keys(['train_dataloader', 'lr_config'], '1.x', frozenset())
    with pytest.raises(ConfigError, match=r"'default_hooks' is a MMAction2 1\.x key"):
        check_top_level_keys(['data', 'default_hooks'], '0.x', frozenset())


def test_helpers_used_through_base_references(tmp_path):
    _write(tmp_path, ZERO_X, 'base.py')
    child = _write(
        tmp_path,
        "_base_ = ['base.py']\nmy_pipeline = {{_base_.train_pipeline}}\n"
        'data = dict(val=dict(type="VideoDataset", ann_file="b", pipeline=my_pipeline))\n',
        'child.py',
    )
    load_config(child)
    private = _write(tmp_path, ZERO_X + '_private = 3\n', 'private.py')
    load_config(private)


def test_configs_built_in_code_take_unknown_names_for_helpers():
    # Without a source there is no telling a helper from a stray key; near-misses still fail.
    check_top_level_keys(['data', 'some_helper'], '0.x', None)
    with pytest.raises(ConfigError, match="Did you mean 'total_epochs'"):
        check_top_level_keys(['data', 'total_epoch'], '0.x', None)


def test_print_config_names_the_handler_of_each_key(tmp_path):
    rows = dict(describe_keys(load_config(_write(tmp_path, ONE_X))))
    assert rows['optim_wrapper'].startswith('one_x.optim')
    assert rows['optimizer'].startswith('helper variable')
    assert rows['train_cfg'] == ONE_X_KEYS['train_cfg']
    rows = dict(describe_keys(Config(dict(total_epochs=1, data={}))))
    assert rows['total_epochs'] == ZERO_X_KEYS['total_epochs']


def test_key_reader_tells_accepted_but_unread_keys():
    reader = KeyReader(dict(model={}, data={}), '0.x')
    reader.get('model')
    assert reader.unread() == ['data']
    with pytest.raises(RuntimeError, match='accepted but not read: data'):
        reader.finish()
    with pytest.raises(KeyError, match='not a key of the 0.x contract'):
        reader.get('optim_wrapper')
