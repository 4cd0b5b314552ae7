"""The MMAction2 1.x (mmengine) arguments of VideoDataset and RawframeDataset."""

import os.path as osp

import pytest

from mmaction.datasets import RawframeDataset, VideoDataset
from mmaction.registry import DATASETS
from mmaction.utils import ConfigError


def _tree(tmp_path):
    """root/videos/{a,b}.mp4 listed in root/list.txt; root/frames/a listed in root/frames.txt."""
    root = tmp_path / 'root'
    (root / 'videos').mkdir(parents=True)
    (root / 'frames' / 'a').mkdir(parents=True)
    (root / 'list.txt').write_text('a.mp4 1\nb.mp4 3\n')
    (root / 'frames.txt').write_text('a 12 2\n')
    return root


def test_video_dataset_1x_form_gives_the_0x_samples(tmp_path):
    root = _tree(tmp_path)
    old = VideoDataset(str(root / 'list.txt'), pipeline=[], data_prefix=str(root / 'videos'))
    new = DATASETS.build(
        dict(
            type='VideoDataset',
            ann_file=str(root / 'list.txt'),
            pipeline=[],
            data_prefix=dict(video=str(root / 'videos')),
            test_mode=True,
            lazy_init=True,
            serialize_data=False,
            max_refetch=1000,
            metainfo=dict(classes=('a', 'b', 'c', 'd')),
        )
    )
    assert (
        new.video_infos
        == old.video_infos
        == [
            {'filename': osp.realpath(root / 'videos' / 'a.mp4'), 'label': 1},
            {'filename': osp.realpath(root / 'videos' / 'b.mp4'), 'label': 3},
        ]
    )
    assert new.metainfo['classes'] == ('a', 'b', 'c', 'd')
    assert new.make_results(1)['start_index'] == 0


def test_data_root_is_joined_as_mmengine_joins_it(tmp_path, monkeypatch):
    root = _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    dataset = VideoDataset(
        'list.txt', pipeline=[], data_root='root', data_prefix=dict(video='videos')
    )
    assert dataset.ann_file == osp.join('root', 'list.txt')
    assert dataset.get_path(0) == osp.realpath(root / 'videos' / 'a.mp4')
    # An empty prefix is the data root itself; an absolute one ignores it.
    assert VideoDataset('list.txt', [], data_root='root', data_prefix=dict(video='')).get_path(
        0
    ) == osp.realpath(root / 'a.mp4')
    frames = RawframeDataset(
        'frames.txt', [], data_root='root', data_prefix=dict(img=str(root / 'frames'))
    )
    assert frames.get_data_info(0) == {
        'frame_dir': osp.realpath(root / 'frames' / 'a'),
        'label': 2,
        'total_frames': 12,
    }


def test_delimiter(tmp_path):
    ann = tmp_path / 'list.csv'
    ann.write_text('my video.mp4, 4\n\nother video.mp4,2\n')
    dataset = VideoDataset(str(ann), pipeline=[], delimiter=',')
    assert dataset.video_infos == [
        {'filename': 'my video.mp4', 'label': 4},
        {'filename': 'other video.mp4', 'label': 2},
    ]
    with pytest.raises(ValueError, match='delimiter must be a non-empty string'):
        VideoDataset(str(ann), pipeline=[], delimiter='')


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        (dict(indices=2), r'VideoDataset: indices=2 is not supported .* annotation file instead'),
        (dict(filter_cfg=dict(x=1)), r'filter_cfg=\{.x.: 1\} is not supported'),
        (
            dict(data_prefix=dict(img='videos')),
            r"data_prefix=\{'img': 'videos'\} has keys \['img'\]; VideoDataset reads its folder "
            r"from data_prefix=dict\(video='...'\)",
        ),
        (dict(metainfo=['a']), 'metainfo must be a dict'),
        (dict(data_root=3), 'data_root must be a folder path string, got int'),
    ],
)
def test_refused_arguments_are_one_clear_line(tmp_path, kwargs, message):
    root = _tree(tmp_path)
    with pytest.raises(ConfigError, match=message):
        VideoDataset(str(root / 'list.txt'), pipeline=[], **kwargs)


def test_rawframe_dataset_needs_the_img_key(tmp_path):
    root = _tree(tmp_path)
    with pytest.raises(
        ConfigError, match=r'RawframeDataset reads its folder from data_prefix=dict\(img='
    ):
        RawframeDataset(str(root / 'frames.txt'), pipeline=[], data_prefix=dict(video='frames'))
