"""Tests of tools/analysis/check_videos.py."""

import json
import os

import numpy as np
import pytest
from tool_loader import load_tool

from mmaction.utils.synthetic_data import write_video

tool = load_tool('tools/analysis/check_videos.py')
BROKEN = ['cut.mp4', 'cut_stream.mp4', 'garbage.mp4', 'missing.mp4']


def faststart_copy(src, dst):
    """Remux with the index first, so that cutting the file loses frames, not the index."""
    av = pytest.importorskip('av')
    with av.open(src) as inp, av.open(dst, 'w', options={'movflags': 'faststart'}) as out:
        stream = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp('videos')
    rng = np.random.default_rng(0)
    for name in ('good1.mp4', 'good2.mp4'):
        write_video(str(root / name), rng.integers(0, 256, (12, 32, 32, 3), dtype=np.uint8), 8)
    data = (root / 'good1.mp4').read_bytes()
    (root / 'cut.mp4').write_bytes(data[: len(data) // 2])  # loses the index at the end
    faststart_copy(str(root / 'good2.mp4'), str(root / 'full_stream.mp4'))
    data = (root / 'full_stream.mp4').read_bytes()
    (root / 'cut_stream.mp4').write_bytes(data[: len(data) // 2])  # loses the last frames
    (root / 'garbage.mp4').write_bytes(os.urandom(3000))
    ann = root / 'list.txt'
    names = ['good1.mp4', 'full_stream.mp4', 'good2.mp4', *BROKEN]
    ann.write_text(''.join(f'{n} {i % 3}\n' for i, n in enumerate(names)))
    return root


@pytest.mark.parametrize('decoder', ['decord', 'pyav', 'opencv'])
def test_flags_broken_videos_only(videos, tmp_path, capsys, decoder):
    pytest.importorskip({'decord': 'decord', 'pyav': 'av', 'opencv': 'cv2'}[decoder])
    output = tmp_path / 'broken.txt'
    argv = [str(videos / 'list.txt'), '--data-prefix', str(videos), '--decoder', decoder]
    assert tool.main(argv + ['--num-processes', '1', '--output', str(output)]) == 0
    assert output.read_text().splitlines() == [str(videos / n) for n in BROKEN]
    printed = capsys.readouterr().out
    assert printed.splitlines()[-1].startswith('4 of 7 videos are broken')
    assert f'{videos / "missing.mp4"}: file not found' in printed


def test_parallel_json_and_removal(videos, tmp_path, capsys):
    work = tmp_path / 'copy'
    work.mkdir()
    for name in ('good1.mp4', 'garbage.mp4'):
        (work / name).write_bytes((videos / name).read_bytes())
    ann = tmp_path / 'list.json'
    ann.write_text(
        json.dumps([dict(filename=str(work / n), label=0) for n in ('good1.mp4', 'garbage.mp4')])
    )
    output = tmp_path / 'broken.txt'
    argv = [str(ann), '--decoder', 'pyav', '--num-processes', '2', '--output-file', str(output)]
    assert tool.main(argv + ['--remove-corrupted-videos']) == 0
    assert output.read_text().splitlines() == [str(work / 'garbage.mp4')]
    assert sorted(os.listdir(work)) == ['good1.mp4']
    assert 'removed 1 corrupted videos' in capsys.readouterr().out


def test_reads_a_0x_config(videos, tmp_path, capsys):
    config = tmp_path / 'cfg.py'
    ann_file = str(videos / 'list.txt')
    config.write_text(
        f"data = dict(val=dict(type='VideoDataset', ann_file={ann_file!r}, data_prefix='/x'))\n"
        "data['train'] = dict(type='RawframeDataset', ann_file='x', data_prefix='y')\n"
    )
    output = tmp_path / 'broken.txt'
    argv = [str(config), '--split', 'val', '--decoder', 'opencv', '--num-processes', '1']
    argv += ['--output', str(output), '--cfg-options', f'data.val.data_prefix={videos}']
    assert tool.main(argv) == 0
    assert len(output.read_text().splitlines()) == 4
    assert tool.main([str(config), '--split', 'train', '--output', str(output)]) == 1
    assert 'not a VideoDataset' in capsys.readouterr().err
