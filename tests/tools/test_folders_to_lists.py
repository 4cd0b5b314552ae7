"""Tests of tools/data/folders_to_lists.py: lists, label map and summary from class folders."""

import json
import shutil

import numpy as np
import pytest
from tool_loader import load_tool

from mmaction.datasets import VideoDataset
from mmaction.utils.synthetic_data import write_video

tool = load_tool('tools/data/folders_to_lists.py')


def _videos(folder, count, seed):
    """``count`` different small videos ``clip_<i>.mp4`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        frames = rng.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
        write_video(str(folder / f'clip_{i}.mp4'), frames, 8)


def _run(argv, capsys):
    assert tool.main(argv + ['--workers', '1']) == 0
    return capsys.readouterr().out


def _lines(path):
    return path.read_text(encoding='utf-8').splitlines()


@pytest.fixture(scope='module')
def user_folder(tmp_path_factory):
    """Three classes (one with a space, one non-ASCII), junk, a broken video, an empty class."""
    root = tmp_path_factory.mktemp('own') / 'videos'
    _videos(root / 'zeta', 5, 0)
    _videos(root / 'a b', 5, 1)
    _videos(root / 'ñandú' / 'day 1', 5, 2)  # videos one level deeper count too
    (root / 'zeta' / 'notes.txt').write_text('not a video')
    (root / 'zeta' / 'cut.mp4').write_bytes((root / 'zeta' / 'clip_0.mp4').read_bytes()[:300])
    (root / 'empty').mkdir()
    (root / '.cache').mkdir()
    return root


def test_classes_lists_skipped_and_summary(user_folder, tmp_path, capsys):
    out = tmp_path / 'lists'
    printed = _run([str(user_folder), str(out)], capsys)
    # Folder names sorted by code point, kept as they are.
    assert _lines(out / 'label_map.txt') == ['a b', 'zeta', 'ñandú']
    # Paths with a space: the lists are JSON (the text lists split at white space).
    train = json.loads((out / 'train_list.json').read_text(encoding='utf-8'))
    val = json.loads((out / 'val_list.json').read_text(encoding='utf-8'))
    # 20% of 5 videos: one per class validated on, four trained on.
    for label in range(3):
        assert sum(r['label'] == label for r in train) == 4
        assert sum(r['label'] == label for r in val) == 1
    names = {r['filename'] for r in train + val}
    assert len(names) == 15 and 'ñandú/day 1/clip_3.mp4' in names
    assert not names & {'zeta/notes.txt', 'zeta/cut.mp4'}
    skipped = _lines(out / 'skipped.txt')
    assert [line.split('\t')[0] for line in skipped] == [
        str(user_folder / 'zeta' / 'notes.txt'),
        str(user_folder / 'zeta' / 'cut.mp4'),
    ]
    assert 'not a video file' in skipped[0] and 'does not decode' in skipped[1]
    assert '2 file(s) left out' in printed and 'skipped.txt' in printed
    assert "warning: class folder 'empty' holds no usable video" in printed
    assert 'warning: 3 class(es) with fewer than 5 videos' not in printed
    table = _lines(out / 'summary.txt')
    assert table[0].split() == ['class', 'train', 'val']
    assert table[1].split() == ['a', 'b', '4', '1'] and table[3].split() == ['ñandú', '4', '1']
    assert table[-1].split() == ['total', '12', '3']
    assert '\n'.join(table) in printed
    # The data sets read the lists and the label map as they are.
    dataset = VideoDataset(str(out / 'train_list.json'), [], data_prefix=str(user_folder),
                           label_file=str(out / 'label_map.txt'))  # fmt: skip
    assert len(dataset) == 12 and dataset.metainfo['classes'] == ['a b', 'zeta', 'ñandú']


def test_split_is_seeded_and_stratified(user_folder, tmp_path, capsys):
    val = {}
    for seed in (0, 0, 1):
        out = tmp_path / f'seed{seed}'
        _run([str(user_folder), str(out), '--seed', str(seed), '--val-fraction', '0.4'], capsys)
        records = json.loads((out / 'val_list.json').read_text(encoding='utf-8'))
        assert [r['label'] for r in records] == [0, 0, 1, 1, 2, 2]
        val.setdefault(seed, []).append({r['filename'] for r in records})
    assert val[0][0] == val[0][1] and val[0][0] != val[1][0]


def test_validation_folder_and_duplicates_across_splits(user_folder, tmp_path, capsys):
    val_root = tmp_path / 'val'
    _videos(val_root / 'zeta', 2, 7)
    _videos(val_root / 'a b', 1, 8)
    shutil.copy(user_folder / 'zeta' / 'clip_1.mp4', val_root / 'zeta' / 'same.mp4')
    out = tmp_path / 'lists'
    printed = _run([str(user_folder), str(out), '--val-root', str(val_root)], capsys)
    val = json.loads((out / 'val_list.json').read_text(encoding='utf-8'))
    assert sorted(r['filename'] for r in val) == [
        'a b/clip_0.mp4', 'zeta/clip_0.mp4', 'zeta/clip_1.mp4', 'zeta/same.mp4',
    ]  # fmt: skip
    assert len(json.loads((out / 'train_list.json').read_text(encoding='utf-8'))) == 15
    assert 'warning: 1 video(s) of the validation split are identical to training videos' in printed
    assert _lines(out / 'duplicates.txt') == ['train:zeta:zeta/clip_1.mp4 = val:zeta:zeta/same.mp4']
    meta = json.loads((out / 'lists.json').read_text(encoding='utf-8'))
    assert meta['val']['root'] == str(val_root) and meta['train']['root'] == str(user_folder)


def test_small_and_unbalanced_classes_are_warned_about(tmp_path, capsys):
    root = tmp_path / 'videos'
    _videos(root / 'big', 11, 0)
    _videos(root / 'tiny', 1, 1)
    out = tmp_path / 'lists'
    printed = _run([str(root), str(out), '--min-per-class', '3'], capsys)
    assert "warning: unbalanced classes: 'big' has 11 videos, 'tiny' 1" in printed
    assert 'warning: 1 class(es) with fewer than 3 videos: tiny (1)' in printed
    # A class of one video cannot be split: it is trained on only.
    assert _lines(out / 'summary.txt')[2].split() == ['tiny', '1', '0']
    val = _lines(out / 'val_list.txt')
    assert len(val) == 2 and all(line.startswith('big/clip_') for line in val)


def test_frame_folders(tmp_path, capsys):
    root = tmp_path / 'frames'
    for cls, count in (('jump', 3), ('run', 4)):
        for i in range(2):
            clip = root / cls / f'clip{i}'
            clip.mkdir(parents=True)
            for t in range(count + i):
                (clip / f'img_{t + 1:05d}.jpg').write_bytes(b'')
    (root / 'run' / 'readme.md').write_text('x')
    out = tmp_path / 'lists'
    _run([str(root), str(out), '--rawframes', '--val-fraction', '0.5'], capsys)
    lines = sorted(_lines(out / 'train_list.txt') + _lines(out / 'val_list.txt'))
    assert lines == ['jump/clip0 3 0', 'jump/clip1 4 0', 'run/clip0 4 1', 'run/clip1 5 1']
    assert _lines(out / 'skipped.txt')[0].startswith(str(root / 'run' / 'readme.md'))


@pytest.mark.parametrize(
    'layout, message',
    [
        ({'only': 3}, "has one class folder ('only'): a classifier needs at least two classes"),
        ({}, 'holds no usable video in a class folder'),
        (None, 'is not a folder: give the folder that holds one sub-folder of videos per class'),
    ],
)
def test_bad_folders_are_one_line_errors(tmp_path, layout, message):
    root = tmp_path / 'videos'
    if layout is not None:
        root.mkdir()
        (root / 'stray.txt').write_text('x')
        for cls, count in layout.items():
            _videos(root / cls, count, 0)
    with pytest.raises(SystemExit) as exit_info:
        tool.main([str(root), str(tmp_path / 'lists'), '--workers', '1'])
    # SystemExit with a message: Python prints it to stderr and exits with status 1.
    err = str(exit_info.value.code)
    assert err.startswith(f'error: {root}') and message in err and '\n' not in err
