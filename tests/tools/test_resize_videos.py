"""tools/data/resize_videos.py: converts a tree, names unreadable files, resumes."""

import os

import av
import pytest
from tool_loader import load_tool

from mmaction.utils.natural_video import write_natural_video

tool = load_tool('tools/data/resize_videos.py')


def test_converts_names_unreadable_and_resumes(tmp_path, capsys):
    src, dst = tmp_path / 'src', tmp_path / 'dst'
    write_natural_video(str(src / 'cls' / 'a.mp4'), 96, 64, seconds=1, seed=0)
    (src / 'cls' / 'broken.mp4').write_bytes(os.urandom(3000))
    argv = [str(src), str(dst), '--scale', '32', '--keyint', '10', '--num-worker', '2']
    assert tool.main(argv) == 1
    out = capsys.readouterr().out
    assert '1 of 2 videos written' in out and '1 unreadable' in out
    assert 'unreadable: cls/broken.mp4' in out
    with av.open(str(dst / 'cls' / 'a.mp4')) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (48, 32)
        keys = [i for i, p in enumerate(container.demux(stream)) if p.size and p.is_keyframe]
    assert keys == [0, 10, 20]
    assert tool.main(argv + ['--resume']) == 1
    summary = f'0 of 2 videos written to {dst}, 1 already there, 1 unreadable'
    assert summary in capsys.readouterr().out.splitlines()


def test_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        tool.main([str(tmp_path / 'missing'), str(tmp_path / 'out')])
    assert exit_info.value.code == f'error: source folder {tmp_path / "missing"} does not exist'
    with pytest.raises(SystemExit):
        tool.parse_args([str(tmp_path), str(tmp_path / 'out'), '--scale', '255'])
    assert '--scale must be an even number' in capsys.readouterr().err
