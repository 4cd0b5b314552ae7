"""Tests of tools/data/build_file_list.py."""

import json
import os.path as osp

import pytest
from tool_loader import load_tool

from mmaction.utils.synthetic_data import generate_dataset

tool = load_tool('tools/data/build_file_list.py')


def touch(path, data=b''):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def frame_dir(path, num, tmpl='img_{:05d}.jpg'):
    for i in range(1, num + 1):
        touch(path / tmpl.format(i))
    touch(path / '.done')  # hidden files are not frames


def read(path):
    with open(path) as f:
        return f.read().splitlines()


@pytest.fixture
def kinetics(tmp_path):
    root = tmp_path / 'kinetics400'
    for cls, vid in (('riding_bike', 'v1'), ('abseiling', 'v2'), ('riding_bike', 'v3')):
        touch(root / 'videos_train' / cls / f'{vid}.mp4')
    frame_dir(root / 'rawframes_train' / 'riding_bike' / 'v1', 3)
    frame_dir(root / 'rawframes_train' / 'abseiling' / 'v2', 5)
    return root


def test_kinetics_videos_sorted_class_names(kinetics, tmp_path):
    argv = ['kinetics400', str(kinetics / 'videos_train'), '--format', 'videos', '--level', '2']
    assert tool.main(argv + ['--out-root-path', str(tmp_path / 'lists')]) == 0
    out = tmp_path / 'lists' / 'kinetics400' / 'kinetics400_train_list_videos.txt'
    assert read(out) == ['abseiling/v2.mp4 0', 'riding_bike/v1.mp4 1', 'riding_bike/v3.mp4 1']


def test_kinetics_rawframes_with_class_file_and_json(kinetics, tmp_path):
    classes = tmp_path / 'classes.txt'
    classes.write_text('zumba\nriding_bike\nabseiling\n')
    out = tmp_path / 'list.txt'
    argv = ['kinetics400', str(kinetics / 'rawframes_train'), '--class-file', str(classes)]
    assert tool.main(argv + ['--out-file', str(out), '--subset', 'val']) == 0
    assert read(out) == ['abseiling/v2 5 2', 'riding_bike/v1 3 1']
    out_json = tmp_path / 'list.json'
    assert tool.main(argv + ['--out-file', str(out_json), '--output-format', 'json']) == 0
    with open(out_json) as f:
        assert json.load(f)[0] == dict(frame_dir='abseiling/v2', total_frames=5, label=2)
    classes.write_text('zumba\n')
    assert tool.main(argv + ['--out-file', str(out)]) == 1


def test_kinetics_official_csv(kinetics, tmp_path, capsys):
    touch(kinetics / 'videos_val' / 'riding_bike' / 'abc_000010_000020.mp4')
    csv_file = tmp_path / 'kinetics_val.csv'
    csv_file.write_text(
        'label,youtube_id,time_start,time_end,split\n'
        'riding bike,abc,10,20,val\n'
        'abseiling,gone,0,10,val\n'
    )
    out = tmp_path / 'val.txt'
    argv = ['kinetics400', str(kinetics / 'videos_val'), '--format', 'videos']
    assert tool.main(argv + ['--ann-file', str(csv_file), '--out-file', str(out)]) == 0
    assert read(out) == ['riding_bike/abc_000010_000020.mp4 1']
    assert '1 of 2 annotated videos are not in' in capsys.readouterr().out


@pytest.fixture
def sthv1(tmp_path):
    root = tmp_path / 'sthv1'
    frame_dir(root / 'rawframes' / '101', 4, '{:05d}.jpg')
    frame_dir(root / 'rawframes' / '7', 6, '{:05d}.jpg')
    frame_dir(root / 'rawframes' / '55', 2, '{:05d}.jpg')
    ann = root / 'annotations'
    ann.mkdir()
    (ann / 'something-something-v1-labels.csv').write_text(
        'Holding something\nPushing something from left to right\nPutting something, then x\n'
    )
    (ann / 'something-something-v1-train.csv').write_text(
        '101;Pushing something from left to right\n7;Putting something, then x\n'
    )
    (ann / 'something-something-v1-validation.csv').write_text('55;Holding something\n')
    return root


def test_sthv1_rawframes_from_default_annotations(sthv1, tmp_path):
    argv = ['sthv1', str(sthv1 / 'rawframes'), '--level', '1', '--rgb-prefix', '0']
    argv += ['--out-root-path', str(tmp_path / 'out')]
    assert tool.main(argv) == 0
    assert read(tmp_path / 'out' / 'sthv1' / 'sthv1_train_list_rawframes.txt') == [
        '101 4 1',
        '7 6 2',
    ]
    assert tool.main(argv + ['--subset', 'val']) == 0
    assert read(tmp_path / 'out' / 'sthv1' / 'sthv1_val_list_rawframes.txt') == ['55 2 0']


def test_sthv1_videos_and_bad_label(sthv1, tmp_path, capsys):
    for vid in ('101', '7'):
        touch(sthv1 / 'videos' / f'{vid}.mp4')
    ann = str(sthv1 / 'annotations' / 'something-something-v1-train.csv')
    out = tmp_path / 'v.txt'
    argv = ['sthv1', str(sthv1 / 'videos'), '--level', '1', '--format', 'videos']
    assert tool.main(argv + ['--ann-file', ann, '--out-file', str(out)]) == 0
    assert read(out) == ['101.mp4 1', '7.mp4 2']
    with open(ann, 'a') as f:
        f.write('8;Juggling something\n')
    assert tool.main(argv + ['--ann-file', ann, '--out-file', str(out)]) == 1
    assert "'Juggling something' is not in" in capsys.readouterr().err


def test_shuffle_is_seeded(kinetics, tmp_path):
    for i in range(20):
        touch(kinetics / 'many' / 'c' / f'{i:02d}.mp4')
    base = ['kinetics400', str(kinetics / 'many'), '--format', 'videos', '--shuffle']
    outs = []
    for name, seed in (('a', '3'), ('b', '3'), ('c', '4')):
        out = tmp_path / f'{name}.txt'
        assert tool.main(base + ['--seed', seed, '--out-file', str(out)]) == 0
        outs.append(read(out))
    assert outs[0] == outs[1] != outs[2]
    assert sorted(outs[0]) == sorted(outs[2]) == [f'c/{i:02d}.mp4 0' for i in range(20)]


def test_matches_the_synthetic_sth_lists(tmp_path):
    data = str(tmp_path / 'syn')
    generate_dataset(data, 1, 1, width=16, height=16, frames=3, workers=1)
    for subset in ('train', 'val'):
        out = tmp_path / f'{subset}.txt'
        argv = ['sthv1', osp.join(data, 'sth', 'rawframes'), '--level', '1', '--rgb-prefix', '']
        assert tool.main(argv + ['--subset', subset, '--out-file', str(out)]) == 0
        assert read(out) == read(osp.join(data, 'sth', f'synthetic_{subset}_list_rawframes.txt'))
