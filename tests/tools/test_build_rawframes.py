"""Tests of tools/data/build_rawframes.py."""

import os
import os.path as osp

import cv2
import numpy as np
import pytest
from tool_loader import load_tool

from mmaction.utils.synthetic_data import write_video

tool = load_tool('tools/data/build_rawframes.py')


def make_video(path, num_frames, height=32, width=48):
    os.makedirs(osp.dirname(path), exist_ok=True)
    rng = np.random.default_rng(num_frames)
    write_video(path, rng.integers(0, 256, (num_frames, height, width, 3), dtype=np.uint8), 8)


@pytest.fixture
def videos(tmp_path):
    src = tmp_path / 'videos'
    make_video(str(src / 'jump' / 'a.mp4'), 5)
    make_video(str(src / 'run' / 'b.mp4'), 7)
    (src / 'run' / 'notes.txt').write_text('not a video')
    return src


def frames_of(folder):
    return sorted(n for n in os.listdir(folder) if not n.startswith('.'))


@pytest.mark.parametrize('opencv', [False, True])
def test_extracts_all_frames_with_short_side_resize(videos, tmp_path, opencv):
    out = tmp_path / 'frames'
    argv = [str(videos), str(out), '--level', '2', '--ext', 'mp4', '--num-worker', '1']
    argv += ['--new-short', '24'] + (['--use-opencv'] if opencv else [])
    assert tool.main(argv) == 0
    assert frames_of(out / 'jump' / 'a') == [f'img_{i:05d}.jpg' for i in range(1, 6)]
    assert len(frames_of(out / 'run' / 'b')) == 7
    assert cv2.imread(str(out / 'run' / 'b' / 'img_00007.jpg')).shape == (24, 36, 3)


def test_fixed_size_png_level_one_parallel(tmp_path):
    src = tmp_path / 'flat'
    for name, n in (('x', 3), ('y', 4), ('z', 2)):
        make_video(str(src / f'{name}.mp4'), n)
    out = tmp_path / 'out'
    argv = [str(src), str(out), '--level', '1', '--ext', 'mp4', '--num-worker', '2']
    argv += ['--new-width', '20', '--new-height', '10', '--out-format', 'png']
    assert tool.main(argv) == 0
    assert frames_of(out / 'y') == [f'img_{i:05d}.png' for i in range(1, 5)]
    assert cv2.imread(str(out / 'z' / 'img_00002.png')).shape == (10, 20, 3)


def test_resume_skips_complete_and_redoes_interrupted(videos, tmp_path, capsys):
    out = tmp_path / 'frames'
    argv = [str(videos), str(out), '--ext', 'mp4', '--num-worker', '1', '--resume']
    assert tool.main(argv) == 0
    capsys.readouterr()
    # Simulate a run cut short inside b: no done-file, a stray partial frame.
    os.remove(out / 'run' / 'b' / '.done')
    (out / 'run' / 'b' / 'img_00099.jpg').write_bytes(b'partial')
    assert tool.main(argv) == 0
    printed = capsys.readouterr().out
    assert 'jump/a.mp4 skipped' in printed and 'run/b.mp4 done' in printed
    assert frames_of(out / 'run' / 'b') == [f'img_{i:05d}.jpg' for i in range(1, 8)]


def test_reports_broken_video(videos, tmp_path, capsys):
    (videos / 'run' / 'broken.mp4').write_bytes(os.urandom(2000))
    out = tmp_path / 'frames'
    assert tool.main([str(videos), str(out), '--ext', 'mp4', '--num-worker', '1']) == 1
    printed = capsys.readouterr().out
    assert '1 of 3 videos failed' in printed
    assert osp.join('run', 'broken.mp4') in printed.split('failed:')[-1]
    assert len(frames_of(out / 'jump' / 'a')) == 5
    assert not osp.exists(out / 'run' / 'broken' / '.done')


def test_argument_errors(tmp_path, capsys):
    with pytest.raises(SystemExit):
        tool.parse_args([str(tmp_path), str(tmp_path), '--new-width', '10'])
    with pytest.raises(SystemExit):
        tool.parse_args(
            [
                str(tmp_path),
                str(tmp_path),
                '--new-short',
                '10',
                '--new-width',
                '5',
                '--new-height',
                '5',
            ]
        )
    assert tool.main([str(tmp_path / 'missing'), str(tmp_path / 'out')]) == 1
    assert 'missing does not exist' in capsys.readouterr().err
