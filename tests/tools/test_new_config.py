"""Tests of tools/new_config.py: a short, commented fine-tuning config for one's own lists."""

import copy
import os
import os.path as osp

import numpy as np
import pytest
import torch
from tool_loader import load_tool
from tpn_run_helpers import CONFIG, ROOT

from mmaction.engine.config.convert import model_cfg_for_testing
from mmaction.engine.config.loader import config_dialect, load_config
from mmaction.engine.model_builder import build_model
from mmaction.utils.synthetic_data import write_video

tool = load_tool('tools/new_config.py')
lists_tool = load_tool('tools/data/folders_to_lists.py')
CONFIG_1X = osp.join(
    ROOT, 'configs/1.x/recognition/tpn/tpn-slowonly_r18_8xb8-8x4x1-8e_synthetic-rgb.py'
)
CLASSES = ['clap', 'jump', 'wave']


@pytest.fixture(scope='module')
def lists(tmp_path_factory):
    """Lists of 3 classes: 6, 3 and 3 videos (5+1, 2+1, 2+1 after the 20% split)."""
    root = tmp_path_factory.mktemp('mine')
    rng = np.random.default_rng(0)
    for cls, count in zip(CLASSES, (6, 3, 3)):
        os.makedirs(root / 'videos' / cls)
        for i in range(count):
            frames = rng.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
            write_video(str(root / 'videos' / cls / f'{i}.mp4'), frames, 8)
    assert lists_tool.main([str(root / 'videos'), str(root / 'lists'), '--workers', '1']) == 0
    return root / 'lists'


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """A checkpoint of the synthetic config's model (8 classes)."""
    torch.manual_seed(0)
    model = build_model(model_cfg_for_testing(load_config(CONFIG)))
    path = tmp_path_factory.mktemp('ckpt') / 'synthetic.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


def _code_lines(text):
    """The lines with code: every one carries a comment (the two header lines are comments)."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith('# ')]


def test_zero_x_config(lists, checkpoint, tmp_path, capsys):
    out = tmp_path / 'configs' / 'my_data.py'
    argv = ['--base', CONFIG, '--lists', str(lists), '--out', str(out), '--pretrained', checkpoint]
    assert tool.main(argv) == 0
    printed = capsys.readouterr().out
    assert f'wrote {out} (0.x): 3 classes, 9 training and 3 validation videos, 4 epochs' in printed
    assert 'next: python tools/train.py' in printed
    text = out.read_text()
    assert all('  # ' in line for line in _code_lines(text)), text
    assert len(text.splitlines()) < 50
    for option in ('# backbone=dict(frozen_stages=1)', "# paramwise_cfg=dict(custom_keys={'backbone'",
                   "# loss_cls=dict(type='CrossEntropyLoss', class_weight=[0.6, 1.5, 1.5])",
                   '# sample_by_class=True, power=0'):  # fmt: skip
        assert option in text
    cfg = load_config(str(out))
    assert config_dialect(cfg) == '0.x'
    assert cfg.model.cls_head.num_classes == 3 and cfg.model.neck.aux_head_cfg.out_channels == 3
    assert cfg.model.neck.aux_head_cfg.loss_weight == 0.5  # the rest of the base is kept
    assert cfg.load_from == checkpoint and cfg.load_class_rows == 'by_name'
    assert cfg.optimizer.lr == pytest.approx(0.0005) and cfg.optimizer.type == 'SGD'
    assert cfg.total_epochs == 4 and cfg.lr_config.warmup == 'linear'
    assert cfg.lr_config.step == [3]
    for split in ('train', 'val', 'test'):
        assert cfg.data[split].label_file == str(lists / 'label_map.txt')
        assert cfg.data[split].pipeline  # the base's pipelines
    assert cfg.data.train.ann_file == str(lists / 'train_list.txt')
    assert cfg.data.test.ann_file == str(lists / 'val_list.txt')


def test_one_x_config(lists, tmp_path, capsys):
    out = tmp_path / 'my_data_1x.py'
    argv = ['--base', CONFIG_1X, '--lists', str(lists), '--out', str(out), '--epochs', '2']
    assert tool.main(argv) == 0
    text = out.read_text()
    assert all('  # ' in line for line in _code_lines(text)), text
    assert "# paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)})" in text
    cfg = load_config(str(out))
    assert config_dialect(cfg) == '1.x'
    assert cfg.model.cls_head.num_classes == 3 and cfg.model.neck.aux_head_cfg.out_channels == 3
    assert cfg.load_from is None
    assert cfg.train_cfg.max_epochs == 2
    assert [s['type'] for s in cfg.param_scheduler] == ['LinearLR', 'MultiStepLR']
    assert cfg.train_dataloader.dataset.label_file == str(lists / 'label_map.txt')
    assert cfg.test_dataloader.dataset.ann_file == str(lists / 'val_list.txt')


def test_zero_x_base_written_as_one_x(lists, tmp_path):
    out = tmp_path / 'as_1x.py'
    argv = ['--base', CONFIG, '--lists', str(lists), '--out', str(out), '--dialect', '1.x']
    assert tool.main(argv) == 0
    assert (tmp_path / 'as_1x_base_1x.py').is_file()
    cfg = load_config(str(out))
    assert config_dialect(cfg) == '1.x'
    assert cfg.model.cls_head.num_classes == 3


def test_other_architecture_is_refused_before_training(lists, tmp_path):
    cfg = copy.deepcopy(model_cfg_for_testing(load_config(CONFIG)))
    cfg['backbone']['base_channels'] = 16
    wide = tmp_path / 'wide.pth'
    torch.save(dict(state_dict=build_model(cfg).state_dict()), wide)
    out = tmp_path / 'my_data.py'
    argv = ['--base', CONFIG, '--lists', str(lists), '--out', str(out), '--pretrained', str(wide)]
    with pytest.raises(SystemExit) as exit_info:
        tool.main(argv)
    err = str(exit_info.value.code)
    assert err.startswith(f'error: {wide} does not fit Recognizer3D')
    assert 'backbone.conv1.conv.weight' in err and '\n' not in err
    assert not out.exists() and os.listdir(tmp_path) == ['wide.pth']


@pytest.mark.parametrize(
    'argv, message',
    [
        (['--lists', '{tmp}'], 'lists.json not found: --lists takes the output folder of'),
        (['--pretrained', '{tmp}/none.pth'], 'none.pth: no such file'),
        (['--epochs', '0'], '--epochs 0: must be at least 1'),
        (['--base', CONFIG_1X, '--dialect', '0.x'], 'which cannot be written as 0.x'),
    ],
)
def test_bad_options_are_one_line_errors(lists, tmp_path, argv, message):
    options = {'--base': CONFIG, '--lists': str(lists), '--out': str(tmp_path / 'c.py')}
    extra = [a.replace('{tmp}', str(tmp_path)) for a in argv]
    for key, value in zip(extra[::2], extra[1::2]):
        options[key] = value
    with pytest.raises(SystemExit) as exit_info:
        tool.main([item for pair in options.items() for item in pair])
    err = str(exit_info.value.code)
    assert err.startswith('error: ') and message in err and '\n' not in err
