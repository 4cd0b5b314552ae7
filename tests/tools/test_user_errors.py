"""Mistakes a new user makes, through the real command lines: one clear line, nothing run.

Each case checks the exit status, that stderr ends in one ``error: ...``
line naming what is at fault, and that no traceback is shown.
"""

import importlib.util
import json
import os.path as osp
import shutil
import sys

import pytest
import torch
from tpn_run_helpers import CONFIG, TEST, TRAIN, data_options, run


def _tool(tool, *args, env_extra=None):
    return run([sys.executable, tool, *args], check=False, extra_env=env_extra)


def _one_error_line(proc) -> str:
    """The ``error:`` line of a failed run (asserting it is the only complaint)."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'Traceback' not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines and lines[-1].startswith('error: '), proc.stderr
    return lines[-1]


def _write_list(path, lines):
    path.write_text(''.join(f'{line}\n' for line in lines))
    return str(path)


@pytest.fixture
def train_list_with(tiny_synthetic, tmp_path):
    """A copy of the training list with one line replaced, and the options that use it."""

    def make(line_no: int, text: str):
        src = osp.join(tiny_synthetic, 'synthetic_train_list_videos.txt')
        lines = open(src).read().splitlines()
        lines[line_no - 1] = text
        ann = _write_list(tmp_path / 'train_list.txt', lines)
        return data_options(tiny_synthetic) + [f'data.train.ann_file={ann}']

    return make


@pytest.mark.slow
def test_label_out_of_range_stops_training_before_work(train_list_with, tmp_path):
    opts = train_list_with(7, 'train/move_up_slow_0000.mp4 99')
    work_dir = tmp_path / 'work'
    proc = _tool(TRAIN, CONFIG, '--work-dir', str(work_dir), '--cfg-options', *opts)
    line = _one_error_line(proc)
    assert 'train_list.txt, line 7: label 99 is out of range for model.cls_head.num_classes' in line
    assert '=8' in line and 'labels must be 0..7' in line
    assert not list(work_dir.glob('*.pth')) if work_dir.exists() else True


@pytest.mark.slow
def test_label_out_of_range_in_the_test_list_is_found_by_training(tiny_synthetic, tmp_path):
    src = osp.join(tiny_synthetic, 'synthetic_val_list_videos.txt')
    lines = open(src).read().splitlines()
    lines[2] = lines[2].rsplit(' ', 1)[0] + ' 8'
    ann = _write_list(tmp_path / 'test_list.txt', lines)
    opts = data_options(tiny_synthetic) + [f'data.test.ann_file={ann}']
    proc = _tool(
        TRAIN, CONFIG, '--work-dir', str(tmp_path / 'w'), '--test-last', '--cfg-options', *opts
    )
    assert 'test_list.txt, line 3: label 8 is out of range' in _one_error_line(proc)


@pytest.mark.slow
@pytest.mark.parametrize(
    'line, expected',
    [
        ('train/move_up_slow_0000.mp4', 'train_list.txt, line 5: missing label'),
        ('train/move_up_slow_0000.mp4 up', 'train_list.txt, line 5: labels must be integers'),
    ],
)
def test_malformed_annotation_line(train_list_with, tmp_path, line, expected):
    opts = train_list_with(5, line)
    proc = _tool(TRAIN, CONFIG, '--work-dir', str(tmp_path / 'w'), '--cfg-options', *opts)
    assert expected in _one_error_line(proc)


@pytest.mark.slow
def test_dataset_num_classes_must_agree_with_the_head(tiny_synthetic, tmp_path):
    opts = data_options(tiny_synthetic) + ['data.train.num_classes=10']
    proc = _tool(TRAIN, CONFIG, '--work-dir', str(tmp_path / 'w'), '--cfg-options', *opts)
    line = _one_error_line(proc)
    assert 'data.train.num_classes=10 but model.cls_head.num_classes=8' in line


@pytest.mark.slow
def test_missing_data_prefix(tiny_synthetic, tmp_path):
    opts = data_options(tiny_synthetic) + [f'data.val.data_prefix={tmp_path}/nowhere']
    proc = _tool(
        TRAIN, CONFIG, '--work-dir', str(tmp_path / 'w'), '--validate', '--cfg-options', *opts
    )
    assert f"data_prefix '{tmp_path}/nowhere'" in _one_error_line(proc)


@pytest.mark.slow
def test_checkpoint_with_another_head_is_refused_in_testing(tiny_trained_run, tmp_path):
    ckpt = torch.load(tiny_trained_run.checkpoint, map_location='cpu', weights_only=True)
    state = ckpt['state_dict']
    state['cls_head.fc_cls.weight'] = state['cls_head.fc_cls.weight'][:5].clone()
    state['cls_head.fc_cls.bias'] = state['cls_head.fc_cls.bias'][:5].clone()
    path = tmp_path / 'five_classes.pth'
    torch.save(ckpt, path)
    proc = _tool(
        TEST, CONFIG, str(path), '--eval', 'top_k_accuracy', '--work-dir', str(tmp_path),
        '--cfg-options', *tiny_trained_run.cfg_options,
    )  # fmt: skip
    line = _one_error_line(proc)
    assert 'five_classes.pth does not fit Recognizer3D' in line
    assert 'cls_head.fc_cls.weight (checkpoint [5, 2048], model [8, 2048])' in line
    assert 'top1_acc' not in proc.stdout


@pytest.mark.slow
def test_extra_checkpoint_keys_are_one_warning_line(tiny_trained_run, tmp_path):
    ckpt = torch.load(tiny_trained_run.checkpoint, map_location='cpu', weights_only=True)
    ckpt['state_dict']['cls_head.new_cls.weight'] = torch.zeros(8, 2048, 1, 1, 1)
    path = tmp_path / 'extra.pth'
    torch.save(ckpt, path)
    proc = _tool(
        TEST, CONFIG, str(path), '--eval', 'top_k_accuracy', '--work-dir', str(tmp_path),
        '--cfg-options', *tiny_trained_run.cfg_options,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    warnings = [ln for ln in proc.stdout.splitlines() if 'not used by Recognizer3D' in ln]
    assert len(warnings) == 1 and 'cls_head.new_cls.weight' in warnings[0]
    assert 'top1_acc:' in proc.stdout


@pytest.mark.slow
def test_load_from_a_checkpoint_with_another_head_prints_one_summary(tiny_trained_run, tmp_path):
    opts = tiny_trained_run.cfg_options + [
        f'load_from={tiny_trained_run.checkpoint}',
        'model.cls_head.num_classes=5',
        'model.neck.aux_head_cfg.out_channels=5',
        'total_epochs=1',
    ]
    # Labels 5..7 do not fit a 5-class head: keep the videos of classes 0..4.
    src = osp.join(tiny_trained_run.data_root, 'synthetic_train_list_videos.txt')
    lines = [ln for ln in open(src).read().splitlines() if int(ln.split()[1]) < 5]
    ann = _write_list(tmp_path / 'five.txt', lines)
    proc = _tool(
        TRAIN, CONFIG, '--work-dir', str(tmp_path / 'w'),
        '--cfg-options', *opts, f'data.train.ann_file={ann}',
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = [ln for ln in proc.stdout.splitlines() if ln.startswith('Loaded ')]
    assert len(summary) == 1, proc.stdout
    assert '4 skipped (other shape)' in summary[0]  # fc_cls and the aux head's fc, weight + bias
    assert '0 missing from the checkpoint' in summary[0]
    assert 'cls_head.fc_cls.weight (checkpoint [8, 2048], model [5, 2048])' in summary[0]


@pytest.mark.slow
def test_broken_test_video_is_left_out_and_written_as_null(tiny_trained_run, tmp_path):
    root = tiny_trained_run.data_root
    videos = tmp_path / 'videos'
    shutil.copytree(osp.join(root, 'videos', 'val'), videos / 'val')
    lines = open(osp.join(root, 'synthetic_val_list_videos.txt')).read().splitlines()
    broken = lines[3].split()[0]
    (videos / broken).write_bytes(b'not a video at all' * 10)
    ann = _write_list(tmp_path / 'val.txt', lines)
    out = tmp_path / 'scores.json'
    opts = tiny_trained_run.cfg_options + [
        f'data.test.ann_file={ann}', f'data.test.data_prefix={videos}',
        'data.test.skip_broken=True',
    ]  # fmt: skip
    proc = _tool(
        TEST, CONFIG, tiny_trained_run.checkpoint, '--work-dir', str(tmp_path),
        '--eval', 'top_k_accuracy', '--out', str(out), '--cfg-options', *opts,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    scores = json.loads(out.read_text())
    assert len(scores) == 8 and scores[3] is None
    assert all(s is not None and len(s) == 8 for i, s in enumerate(scores) if i != 3)
    assert '1 of 8 videos could not be read' in proc.stdout
    listed = (tmp_path / 'broken_test_videos.txt').read_text().split()
    assert listed == [str(videos / broken)]
    # top-1 is over the 7 readable videos, computed here from the saved scores.
    labels = [int(ln.split()[1]) for ln in lines]
    hits = [
        max(range(8), key=lambda c: s[c]) == labels[i]
        for i, s in enumerate(scores)
        if s is not None
    ]
    printed = float(proc.stdout.split('top1_acc: ')[1].split()[0])
    assert printed == pytest.approx(sum(hits) / 7, abs=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize(
    'args, expected',
    [
        (['configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.pyy'],
         'does not exist. Did you mean configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py?'),
        ([CONFIG, '--cfg-options', 'data.trian.ann_file=x.txt'],
         "has no key 'trian' under data. Did you mean 'train'?"),
        ([CONFIG, '--cfg-options', 'img_norm_cfg.mean=[0,0,0]'],
         "'img_norm_cfg' is a helper variable"),
        ([CONFIG, '--cfg-options', 'lr_config.stepp=[4]'],
         "Unknown key lr_config.stepp. Did you mean 'step'?"),
        ([CONFIG, '--cfg-options', 'optimizer.momentun=0.9'],
         "Unknown key optimizer.momentun. Did you mean 'momentum'?"),
        ([CONFIG, '--cfg-options', 'optimizer_config.grad_clipp=None'],
         "Unknown key optimizer_config.grad_clipp. Did you mean 'grad_clip'?"),
        ([CONFIG, '--cfg-options', 'evaluation.metric=[top_k_accuracy]'],
         "Unknown key evaluation.metric. Did you mean 'metrics'"),
        ([CONFIG, '--cfg-options', 'model.backbone.dept=18'],
         "Unknown argument 'dept' for ResNet3dSlowOnly (at model.backbone)"),
        ([CONFIG, '--cfg-options', 'model.test_cfg.average_clip=prob'],
         "unknown test_cfg key 'average_clip'. Did you mean 'average_clips'?"),
    ],
)  # fmt: skip
def test_config_mistakes_in_training(tiny_synthetic, tmp_path, args, expected):
    if '--cfg-options' in args:
        args = args + data_options(tiny_synthetic)
    proc = _tool(TRAIN, *args, '--work-dir', str(tmp_path / 'w'))
    line = _one_error_line(proc)
    assert expected in line, line
    assert 'Did you mean' not in expected or 'Did you mean' in line


@pytest.mark.slow
def test_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / 'bad_config.py'
    bad.write_text(
        f"_base_ = ['{CONFIG}']\ntotal_epochs = 2\noptimizer = dict(type='SGD', lr=0.1\n"
    )
    proc = _tool(TRAIN, str(bad))
    assert f'{bad}, line 3: syntax error' in _one_error_line(proc)


@pytest.mark.slow
def test_unknown_eval_metric_lists_the_valid_ones(tiny_trained_run, tmp_path):
    proc = _tool(
        TEST, CONFIG, tiny_trained_run.checkpoint, '--eval', 'top_k_acuracy',
        '--work-dir', str(tmp_path), '--cfg-options', *tiny_trained_run.cfg_options,
    )  # fmt: skip
    line = _one_error_line(proc)
    assert "Unknown metric 'top_k_acuracy'" in line and "Did you mean 'top_k_accuracy'?" in line
    assert 'mean_class_accuracy, mean_average_precision' in line


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec('mlflow') is not None, reason='mlflow is installed')
def test_missing_optional_package_says_what_to_install(tiny_synthetic, tmp_path):
    config = tmp_path / 'mlflow_config.py'
    config.write_text(
        f"_base_ = ['{CONFIG}']\nlog_config = dict(interval=1, hooks=[dict(type='MlflowLoggerHook')])\n"
    )
    opts = data_options(tiny_synthetic)
    proc = _tool(TRAIN, str(config), '--work-dir', str(tmp_path / 'w'), '--cfg-options', *opts)
    assert 'MlflowLoggerHook needs the mlflow package: pip install mlflow' in _one_error_line(proc)


@pytest.mark.slow
def test_traceback_on_request(tmp_path):
    proc = _tool(TRAIN, str(tmp_path / 'missing.py'), env_extra={'TPN_TRACEBACK': '1'})
    assert proc.returncode != 0
    assert 'Traceback' in proc.stderr and 'ConfigError' in proc.stderr
