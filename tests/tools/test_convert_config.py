"""tools/convert_config.py: its one output line, its one-line refusals, and a run trained both ways."""

import os.path as osp
import sys

import pytest
import torch
from tool_loader import load_tool
from tpn_run_helpers import CONFIG, CONFIG_1X_TSM, ROOT, TRAIN, data_options, load_ckpt, run

TOOL = osp.join(ROOT, 'tools', 'convert_config.py')


@pytest.fixture(scope='module')
def tool():
    """tools/convert_config.py, imported."""
    return load_tool('tools/convert_config.py')


def test_prints_one_line_naming_what_it_wrote(tool, tmp_path, capsys):
    out = str(tmp_path / 'tsm_0x.py')
    assert tool.main([CONFIG_1X_TSM, out]) == f'wrote {out} (MMAction2 0.x, from 1.x)'
    assert capsys.readouterr().out == f'wrote {out} (MMAction2 0.x, from 1.x)\n'
    assert osp.isfile(out)


@pytest.mark.parametrize(
    'args, message',
    [
        ([CONFIG_1X_TSM, '--to', '1.x'], 'is already a MMAction2 1.x config: nothing to convert'),
        (
            [
                CONFIG_1X_TSM,
                '--cfg-options',
                'auto_scale_lr.enable=True',
                'auto_scale_lr.base_batch_size=64',
            ],
            'auto_scale_lr.enable=True has no MMAction2 0.x',
        ),
        (
            [CONFIG_1X_TSM, '--cfg-options', "param_scheduler.0.type='CosineRestartLR'"],
            r'param_scheduler[0] (CosineRestartLR) has no MMAction2 0.x form',
        ),
    ],
)
def test_bad_input_is_one_error_line(tool, tmp_path, args, message):
    out = tmp_path / 'out.py'
    with pytest.raises(SystemExit) as stop:
        tool.main([args[0], str(out), *args[1:]])
    text = str(stop.value.code)
    assert text.startswith('error: ') and message in text and '\n' not in text
    assert not out.exists()


@pytest.mark.slow
def test_the_command_line(tmp_path):
    out = str(tmp_path / 'synthetic_1x.py')
    proc = run([sys.executable, TOOL, CONFIG, out])
    assert proc.stdout == f'wrote {out} (MMAction2 1.x, from 0.x)\n'
    proc = run([sys.executable, TOOL, out, str(tmp_path / 'back.py'), '--to', '1.x'], check=False)
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f'error: {out} is already a MMAction2 1.x config: nothing to convert (--to 0.x '
        'rewrites it into the other dialect)'
    ]


@pytest.mark.slow
def test_a_tiny_run_trained_both_ways_gives_the_same_weights(tiny_synthetic, tmp_path):
    """The synthetic 0.x config and its 1.x conversion: one epoch each, --seed 0 --deterministic."""
    options = data_options(tiny_synthetic) + ['total_epochs=1']
    converted = str(tmp_path / 'synthetic_1x.py')
    run([sys.executable, TOOL, CONFIG, converted, '--cfg-options', *options])
    checkpoints = []
    for config, cfg_options in ((CONFIG, ['--cfg-options', *options]), (converted, [])):
        work_dir = str(tmp_path / f'work_{len(checkpoints)}')
        # Validation changes no weight; each dialect has its own default, so say it.
        run(
            [
                sys.executable,
                TRAIN,
                config,
                '--work-dir',
                work_dir,
                '--no-validate',
                '--seed',
                '0',
                '--deterministic',
                *cfg_options,
            ]
        )
        checkpoints.append(load_ckpt(osp.join(work_dir, 'epoch_1.pth')))
    # 16 videos, 4 a batch: 4 steps each.
    assert checkpoints[0]['meta']['iter'] == checkpoints[1]['meta']['iter'] == 4
    weights = [checkpoint['state_dict'] for checkpoint in checkpoints]
    assert weights[0].keys() == weights[1].keys()
    for name, tensor in weights[0].items():
        assert torch.equal(tensor, weights[1][name]), name
