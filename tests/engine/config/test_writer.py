"""convert_config_file: the written file, its header, and the one-line refusals."""

import pytest
from tpn_run_helpers import CONFIG, CONFIG_1X_TSM

from mmaction.engine.config.checks import ConfigError
from mmaction.engine.config.loader import config_dialect, load_config
from mmaction.engine.config.writer import convert_config_file


def test_0x_to_1x_file_loads_as_1x_with_its_header(tmp_path):
    out = str(tmp_path / 'sub' / 'synthetic_1x.py')
    options = {'total_epochs': 2}
    assert convert_config_file(CONFIG, out, cfg_options=options) == ('1.x', '0.x')
    text = open(out).read()
    header = text.split('\n\n', 1)[0].splitlines()
    assert header[0] == f'# MMAction2 1.x config, converted from the 0.x config {CONFIG}'
    assert '#   - 1.x runs validate unless --no-validate (0.x runs only with --validate)' in header
    assert header[-1] == (
        f'# Command: python tools/convert_config.py {CONFIG} {out} --to 1.x '
        '--cfg-options total_epochs=2'
    )
    cfg = load_config(out)
    assert config_dialect(cfg) == '1.x'
    assert cfg.train_cfg.max_epochs == 2  # the options are in the file
    assert cfg.default_scope == 'mmaction'


def test_1x_to_0x_file_loads_as_0x_and_lists_what_was_left_out(tmp_path):
    out = str(tmp_path / 'tsm_0x.py')
    assert convert_config_file(CONFIG_1X_TSM, out) == ('0.x', '1.x')
    header = open(out).read().split('\n\n', 1)[0]
    for left_out in ('default_scope', 'log_processor', 'ignore_last', '--validate'):
        assert left_out in header
    cfg = load_config(out)
    assert config_dialect(cfg) == '0.x'
    assert cfg.data.train.data_prefix == 'data/sthv1/rawframes'
    assert cfg.data.train.pipeline[-2:] == [
        dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
        dict(type='ToTensor', keys=['imgs', 'label']),
    ]
    # Something-Something's flip map (int keys) survives the text.
    flip = [s for s in cfg.data.train.pipeline if s['type'] == 'Flip'][0]
    assert flip['flip_label_map'][30] == 41


@pytest.mark.parametrize(
    'path, to, options, message',
    [
        (CONFIG_1X_TSM, '1.x', None, 'is already a MMAction2 1.x config: nothing to convert'),
        (CONFIG, '0.x', None, 'is already a MMAction2 0.x config'),
        (
            CONFIG_1X_TSM,
            None,
            {'auto_scale_lr.enable': True, 'auto_scale_lr.base_batch_size': 64},
            'auto_scale_lr.enable=True has no MMAction2 0.x form',
        ),
        (
            CONFIG_1X_TSM,
            None,
            {'param_scheduler.0.type': 'OneCycleLR'},
            r'param_scheduler\[0\] \(OneCycleLR\) has no MMAction2 0.x form',
        ),
        (CONFIG, '2.x', None, "use '0.x' or '1.x'"),
    ],
)
def test_refusals_name_the_problem_and_write_nothing(tmp_path, path, to, options, message):
    out = tmp_path / 'out.py'
    with pytest.raises(ConfigError, match=message) as error:
        convert_config_file(path, str(out), to, options)
    assert '\n' not in str(error.value)
    assert not out.exists()
