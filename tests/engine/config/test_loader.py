"""load_config: missing files, syntax errors and --cfg-options keys, each in one line."""

import pytest

from mmaction.engine import ConfigError, load_config


@pytest.fixture
def configs(tmp_path):
    base = tmp_path / 'base.py'
    base.write_text(
        "model = dict(type='Recognizer3D', backbone=dict(type='X', depth=50))\n"
        'img_norm_cfg = dict(mean=[1, 2, 3])\n'
        "data = dict(videos_per_gpu=2, train=dict(pipeline=[dict(type='A'), dict(type='B', "
        '**img_norm_cfg)]))\n'
        'total_epochs = 3\n'
    )
    child = tmp_path / 'child.py'
    child.write_text("_base_ = ['base.py']\ntotal_epochs = 5\n")
    return tmp_path


def test_loads_and_merges(configs):
    cfg = load_config(str(configs / 'child.py'), {'total_epochs': 7, 'model.backbone.depth': 18})
    assert cfg.total_epochs == 7 and cfg.model.backbone.depth == 18
    # A new argument of a component is fine: the component checks it when built.
    assert load_config(str(configs / 'child.py'), {'model.backbone.with_cp': True}).model.backbone
    # So is a section the config leaves out: its handler checks what is set under it.
    assert load_config(str(configs / 'child.py'), {'compile.backend': 'eager'}).compile == {
        'backend': 'eager'
    }


def test_syntax_error_in_a_base_file_names_it(configs):
    (configs / 'base.py').write_text('total_epochs = (3\n')
    with pytest.raises(ConfigError, match=r'base\.py, line 1: syntax error'):
        load_config(str(configs / 'child.py'))


def test_missing_base_file_is_named(configs):
    (configs / 'child2.py').write_text("_base_ = ['nope.py']\n")
    with pytest.raises(ConfigError, match=r'nope\.py does not exist \(a _base_ of .*child2\.py\)'):
        load_config(str(configs / 'child2.py'))


@pytest.mark.parametrize(
    'option, message',
    [
        ('data.trian.pipeline', "no key 'trian' under data. Did you mean 'train'?"),
        (
            'data.train.pipeline.5.type',
            r"no key '5' under data\.train\.pipeline\. It is a list of 2",
        ),
        ('model.bakbone.depth', "no key 'bakbone' under model. Did you mean 'backbone'?"),
        ('total_epoch', "no key 'total_epoch' and MMAction2 0.x configs do not read one. Did"),
        ('img_norm_cfg.mean', "'img_norm_cfg' is a helper variable"),
    ],
)
def test_cfg_options_that_name_no_key(configs, option, message):
    with pytest.raises(ConfigError, match=message):
        load_config(str(configs / 'child.py'), {option: 1})
