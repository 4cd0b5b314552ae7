"""The three commands of "Train on your own videos", end to end, on generated class folders.

``tools/data/folders_to_lists.py`` on the synthetic videos in class folders
(plus a portrait phone video, a variable-frame-rate one, one shorter than a
clip, a text file and a cut video), ``tools/new_config.py`` from the tiny
trained run's checkpoint, ``tools/train.py --validate`` and ``tools/test.py``
with their per-class reports.
"""

import csv
import json
import os.path as osp
import re
import sys

import numpy as np
import pytest
from tpn_run_helpers import CONFIG, ROOT, TEST, TRAIN, run

from mmaction.utils.synthetic_data import CLASS_NAMES

LISTS_TOOL = osp.join(ROOT, 'tools', 'data', 'folders_to_lists.py')
NEW_CONFIG = osp.join(ROOT, 'tools', 'new_config.py')
GENERATE = osp.join(ROOT, 'tools', 'data', 'synthetic', 'generate.py')


def _metrics(stdout):
    return {k: float(v) for k, v in re.findall(r'^(\w+): ([0-9.]+)$', stdout, re.M)}


def _own_top1(trained):
    """The checkpoint's own top-1 on its validation videos (its ``tools/test.py --out`` scores)."""
    with open(trained.result_json) as file:
        scores = np.array(json.load(file))
    with open(osp.join(trained.data_root, 'synthetic_val_list_videos.txt')) as file:
        labels = [int(line.split()[-1]) for line in file if line.strip()]
    return float(np.mean(scores.argmax(axis=1) == np.array(labels)))


def _class_folders(tmp_path, write_video, marker_frames):
    """The synthetic videos in class folders, with the awkward files of real collections."""
    root = tmp_path / 'my_videos'
    run([sys.executable, GENERATE, '--out', str(root), '--layout', 'folders',
         '--num-train-per-class', '3', '--num-val-per-class', '1', '--frames', '16',
         '--workers', '1'])  # fmt: skip
    write_video(root / CLASS_NAMES[0] / 'phone portrait.mp4', rotation=90, audio=True)
    vfr = [0, 0.03, 0.05, 0.2, 0.21, 0.5, 0.52, 0.9, 1.0, 1.4, 1.41, 1.6]
    write_video(root / CLASS_NAMES[1] / 'vfr.mkv', times=vfr)
    write_video(root / CLASS_NAMES[2] / 'short.webm', frames=marker_frames(5))
    (root / CLASS_NAMES[3] / 'notes.txt').write_text('filmed on Tuesday')
    good = (root / CLASS_NAMES[4] / f'{CLASS_NAMES[4]}_0000.mp4').read_bytes()
    (root / CLASS_NAMES[4] / 'cut.mp4').write_bytes(good[:400])
    return root


def _check_report(folder, names):
    """The per-class numbers agree with the confusion matrix written beside them."""
    with open(osp.join(folder, 'confusion_matrix.csv'), encoding='utf-8') as file:
        rows = list(csv.reader(file))
    assert rows[0][1:] == names and [row[0] for row in rows[1:]] == names
    matrix = np.array([[int(v) for v in row[1:]] for row in rows[1:]])
    with open(osp.join(folder, 'class_report.csv'), encoding='utf-8') as file:
        report = {row['class']: row for row in csv.DictReader(file)}
    for i, name in enumerate(names):
        row = report[name]
        assert int(row['support']) == matrix[i].sum()
        assert float(row['accuracy']) == pytest.approx(matrix[i, i] / matrix[i].sum(), abs=1e-4)
        assert float(row['recall']) == float(row['accuracy'])
        predicted = matrix[:, i].sum()
        if predicted:
            assert float(row['precision']) == pytest.approx(matrix[i, i] / predicted, abs=1e-4)
        else:
            assert row['precision'] == ''
    assert osp.getsize(osp.join(folder, 'confusion_matrix.png')) > 1000
    content = json.loads(open(osp.join(folder, 'class_report.json'), encoding='utf-8').read())
    assert content['top1_acc'] == pytest.approx(np.trace(matrix) / matrix.sum(), abs=1e-4)
    return matrix


@pytest.mark.slow
def test_three_commands(tiny_trained_run, tmp_path, write_video, marker_frames):
    root = _class_folders(tmp_path, write_video, marker_frames)
    lists = tmp_path / 'lists'
    proc = run([sys.executable, LISTS_TOOL, str(root), str(lists), '--workers', '1'])
    names = sorted(CLASS_NAMES)
    assert (lists / 'label_map.txt').read_text().splitlines() == names
    skipped = [line.split('\t')[0] for line in (lists / 'skipped.txt').read_text().splitlines()]
    assert sorted(skipped) == sorted(
        [str(root / CLASS_NAMES[3] / 'notes.txt'), str(root / CLASS_NAMES[4] / 'cut.mp4')]
    )
    assert '2 file(s) left out' in proc.stdout
    # 4 synthetic videos a class, 1 of them validated on; the three phone videos are kept.
    listed = json.loads((lists / 'train_list.json').read_text())  # a path holds a space
    val = json.loads((lists / 'val_list.json').read_text())
    assert (len(listed), len(val)) == (27, 8)
    assert {'phone portrait.mp4', 'vfr.mkv', 'short.webm'} <= {
        osp.basename(r['filename']) for r in listed + val
    }

    config = tmp_path / 'configs' / 'my_data.py'
    run([sys.executable, NEW_CONFIG, '--base', CONFIG, '--lists', str(lists), '--out',
         str(config), '--pretrained', tiny_trained_run.checkpoint, '--epochs', '2'])  # fmt: skip

    work_dir = tmp_path / 'work'
    proc = run([sys.executable, TRAIN, str(config), '--work-dir', str(work_dir), '--validate',
                '--seed', '0', '--deterministic'])  # fmt: skip
    assert 'start fresh' in proc.stdout  # the tiny run's checkpoint names no classes
    assert 'Per-class report of the validation of epoch' in proc.stdout
    val_report = json.loads((work_dir / 'class_report_val' / 'class_report.json').read_text())
    best = [p for p in work_dir.iterdir() if p.name.startswith('best_top1_acc_epoch_')]
    assert len(best) == 1 and best[0].name == f'best_top1_acc_epoch_{val_report["epoch"]}.pth'
    _check_report(str(work_dir / 'class_report_val'), names)

    proc = run([sys.executable, TEST, str(config), str(best[0]), '--work-dir', str(work_dir),
                '--eval', 'top_k_accuracy', 'mean_class_accuracy'])  # fmt: skip
    matrix = _check_report(str(work_dir / 'class_report'), names)
    assert matrix.sum() == 8
    assert 'Weakest 5 classes:' in proc.stdout
    weakest = proc.stdout.split('Weakest 5 classes:')[1].splitlines()[1:6]
    assert all(line.split()[0] in names for line in weakest)
    top1 = _metrics(proc.stdout)['top1_acc']
    assert top1 == pytest.approx(np.trace(matrix) / 8, abs=1e-4)
    assert top1 >= _own_top1(tiny_trained_run) - 0.05
