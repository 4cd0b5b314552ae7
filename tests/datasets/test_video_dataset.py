"""VideoDataset / RawframeDataset: annotations, results dicts, broken samples."""

import pickle
import warnings

import cv2
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from mmaction.datasets import (
    BrokenDataWarning,
    BrokenSample,
    BrokenVideoError,
    RawframeDataset,
    VideoDataset,
)
from mmaction.registry import DATASETS
from mmaction.utils import AnnotationError


def write_video(path, num_frames=20, value=0):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10, (32, 24))
    for index in range(num_frames):
        writer.write(np.full((24, 32, 3), (value + index * 4) % 256, np.uint8))
    writer.release()


def to_batchable(results):
    """Stands in for FormatShape/Collect/ToTensor in these tests."""
    imgs = torch.from_numpy(np.stack(results['imgs']))
    label = results['label']
    label = label if isinstance(label, torch.Tensor) else torch.tensor([label])
    return {'imgs': imgs, 'label': label}


VIDEO_PIPELINE = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=2, num_clips=1),
    dict(type='DecordDecode'),
    to_batchable,
]


@pytest.fixture()
def video_root(tmp_path):
    for index in range(4):
        write_video(tmp_path / f'v{index}.mp4', value=index * 50)
    (tmp_path / 'broken.mp4').write_bytes(b'\x00' * 100)
    return tmp_path


def write_ann(path, lines):
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def test_video_dataset_results_keys(video_root):
    ann = write_ann(video_root / 'ann.txt', ['v0.mp4 1', '', 'v1.mp4 2'])
    dataset = VideoDataset(ann, pipeline=[], data_prefix=str(video_root))
    assert len(dataset) == 2
    assert dataset.metainfo['classes'] is None
    results = dataset[1]
    assert results == {
        'filename': str(video_root / 'v1.mp4'),
        'label': 2,
        'modality': 'RGB',
        'start_index': 0,
    }
    assert dataset.video_infos == [
        {'filename': str(video_root / 'v0.mp4'), 'label': 1},
        {'filename': str(video_root / 'v1.mp4'), 'label': 2},
    ]


def test_video_dataset_pipeline_and_registry(video_root):
    ann = write_ann(video_root / 'ann.txt', ['v0.mp4 1', 'v1.mp4 2'])
    dataset = DATASETS.build(
        dict(
            type='VideoDataset', ann_file=ann, data_prefix=str(video_root), pipeline=VIDEO_PIPELINE
        )
    )
    sample = dataset[0]
    assert sample['imgs'].shape == (4, 24, 32, 3)
    assert sample['label'].tolist() == [1]


def test_multi_class_labels(video_root):
    ann = write_ann(video_root / 'ann.txt', ['v0.mp4 1 3', 'v1.mp4 0'])
    dataset = VideoDataset(ann, pipeline=[], multi_class=True, num_classes=4)
    assert dataset[0]['label'].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert dataset.get_labels() == [[1, 3], [0]]
    with pytest.raises(ValueError, match='num_classes'):
        VideoDataset(ann, pipeline=[], multi_class=True)
    with pytest.raises(ValueError, match=r'line 1.*multi_class'):
        VideoDataset(ann, pipeline=[])


def test_annotation_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        VideoDataset(str(tmp_path / 'nope.txt'), pipeline=[])
    ann = write_ann(tmp_path / 'a.txt', ['a.mp4 1', 'b.mp4 7', 'c.mp4 2'])
    with pytest.raises(ValueError, match=r'a\.txt, line 2: label 7 .*num_classes=5'):
        VideoDataset(ann, pipeline=[], num_classes=5)
    ann = write_ann(tmp_path / 'b.txt', ['a.mp4 1', 'b.mp4'])
    with pytest.raises(ValueError, match=r'b\.txt, line 2: missing label'):
        VideoDataset(ann, pipeline=[])
    ann = write_ann(tmp_path / 'c.txt', ['a.mp4 x'])
    with pytest.raises(ValueError, match=r'line 1: labels must be integers'):
        VideoDataset(ann, pipeline=[])
    ann = write_ann(tmp_path / 'd.txt', ['dir many 1'])
    with pytest.raises(ValueError, match=r'd\.txt, line 1: expected'):
        RawframeDataset(ann, pipeline=[])
    with pytest.raises(ValueError, match='modality'):
        VideoDataset(write_ann(tmp_path / 'e.txt', ['a.mp4 1']), pipeline=[], modality='Audio')
    with pytest.raises(TypeError, match='short_cycle_factors'):
        RawframeDataset(ann, pipeline=[], short_cycle_factors=[0.5])


def test_rawframe_dataset(tmp_path):
    ann = write_ann(tmp_path / 'ann.txt', ['d1 10 1', 'd2 20 0'])
    (tmp_path / 'root').mkdir()
    dataset = RawframeDataset(ann, pipeline=[], data_prefix=str(tmp_path / 'root'))
    assert dataset[0] == {
        'frame_dir': str(tmp_path / 'root' / 'd1'),
        'total_frames': 10,
        'label': 1,
        'filename_tmpl': 'img_{:05}.jpg',
        'modality': 'RGB',
        'start_index': 1,
    }
    ann = write_ann(tmp_path / 'off.txt', ['d1 5 10 1 2'])
    dataset = RawframeDataset(
        ann,
        pipeline=[],
        with_offset=True,
        multi_class=True,
        num_classes=3,
        filename_tmpl='{:d}.png',
    )
    results = dataset[0]
    assert (results['offset'], results['total_frames']) == (5, 10)
    assert results['label'].tolist() == [0.0, 1.0, 1.0]
    assert results['filename_tmpl'] == '{:d}.png'


def test_rawframe_dataset_end_to_end(tmp_path):
    frames = tmp_path / 'vid'
    frames.mkdir()
    for index in range(1, 9):
        cv2.imwrite(str(frames / f'img_{index:05}.jpg'), np.full((24, 32, 3), index * 20, np.uint8))
    ann = write_ann(tmp_path / 'ann.txt', ['vid 8 3'])
    pipeline = [
        dict(type='SampleFrames', clip_len=4, frame_interval=2, test_mode=True),
        dict(type='RawFrameDecode'),
        to_batchable,
    ]
    sample = RawframeDataset(ann, pipeline, data_prefix=str(tmp_path), test_mode=True)[0]
    assert sample['imgs'].shape == (4, 24, 32, 3)
    assert [int(img[0, 0, 0]) for img in sample['imgs']] == [20, 60, 100, 140]


def test_json_annotations(tmp_path):
    import json

    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps([{'frame_dir': 'd', 'total_frames': 7, 'label': [2]}]))
    assert RawframeDataset(str(ann), pipeline=[])[0]['total_frames'] == 7


def test_sample_by_class(tmp_path):
    ann = write_ann(tmp_path / 'ann.txt', ['a 1', 'b 1', 'c 1', 'd 0'])
    dataset = VideoDataset(ann, pipeline=[], sample_by_class=True, power=1)
    assert dataset.class_prob == pytest.approx({0: 0.25, 1: 0.75})
    assert dataset.indices_by_class[1].tolist() == [0, 1, 2]


def test_train_replaces_broken_sample_and_counts(video_root):
    ann = write_ann(video_root / 'ann.txt', ['broken.mp4 0', 'v1.mp4 1', 'missing.mp4 2'])
    dataset = VideoDataset(ann, VIDEO_PIPELINE, data_prefix=str(video_root))
    np.random.seed(0)
    with pytest.warns(BrokenDataWarning) as record:
        for _ in range(3):
            # Only v1.mp4 is readable, so every replacement chain ends there.
            assert dataset[0]['label'].tolist() == [1]
    messages = [str(item.message) for item in record]
    assert 'broken.mp4' in messages[0] and '1 broken samples so far' in messages[0]
    assert dataset.num_broken == len(messages) >= 3
    assert f'{len(messages)} broken samples so far' in messages[-1]


def test_training_loader_with_a_broken_video_finishes(video_root):
    lines = [f'v{index}.mp4 {index}' for index in range(4)] + ['broken.mp4 0']
    ann = write_ann(video_root / 'ann.txt', lines)
    dataset = VideoDataset(ann, VIDEO_PIPELINE, data_prefix=str(video_root))
    loader = DataLoader(dataset, batch_size=2, shuffle=True, num_workers=1)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', BrokenDataWarning)
        batches = list(loader)
    assert sum(len(batch['label']) for batch in batches) == 5
    assert all(batch['imgs'].shape[1:] == (4, 24, 32, 3) for batch in batches)


def test_test_mode_raises_or_skips(video_root):
    ann = write_ann(video_root / 'ann.txt', ['v0.mp4 0', 'broken.mp4 1', 'v2.mp4 2'])
    dataset = VideoDataset(ann, VIDEO_PIPELINE, data_prefix=str(video_root), test_mode=True)
    with pytest.raises(BrokenVideoError, match='broken.mp4'):
        dataset[1]
    skipping = VideoDataset(
        ann, VIDEO_PIPELINE, data_prefix=str(video_root), test_mode=True, skip_broken=True
    )
    # Left out, never replaced by another sample.
    broken = skipping[1]
    assert isinstance(broken, BrokenSample)
    assert (broken.index, broken.filename) == (1, str(video_root / 'broken.mp4'))
    assert skipping[2]['label'].tolist() == [2]
    assert skipping.num_broken == 1


def test_gives_up_when_everything_is_broken(video_root):
    ann = write_ann(video_root / 'ann.txt', ['broken.mp4 0'])
    dataset = VideoDataset(ann, VIDEO_PIPELINE, data_prefix=str(video_root), max_refetch=3)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', BrokenDataWarning)
        with pytest.raises(BrokenVideoError, match='3 replacement samples'):
            dataset[0]


def test_large_annotation_is_compact_and_picklable(tmp_path):
    lines = [f'class_{index % 400}/video_{index:07d}.mp4 {index % 400}' for index in range(50000)]
    ann = write_ann(tmp_path / 'big.txt', lines)
    dataset = VideoDataset(ann, pipeline=[], num_classes=400)
    assert len(dataset) == 50000
    assert dataset[12345]['filename'] == 'class_345/video_0012345.mp4'
    assert dataset[12345]['label'] == 345
    # Annotations live in a few arrays, not in per-sample Python objects.
    assert dataset._paths.nbytes < 2_000_000
    clone = pickle.loads(pickle.dumps(dataset))
    assert clone[49999]['filename'] == 'class_399/video_0049999.mp4'


def test_negative_and_out_of_range_indices(tmp_path):
    ann = write_ann(tmp_path / 'ann.txt', ['a.mp4 0', 'b.mp4 1'])
    dataset = VideoDataset(ann, pipeline=[])
    assert dataset[-1]['filename'] == 'b.mp4'
    with pytest.raises(IndexError):
        dataset[2]
    assert [sample['label'] for sample in dataset] == [0, 1]


@pytest.mark.parametrize(
    'kind, line, message',
    [
        ('video', 'a.mp4', 'line 2: missing label'),
        ('video', 'a.mp4 x', r"line 2: labels must be integers, got \['x'\]"),
        ('video', 'a.mp4 1 2', 'line 2: expected one label'),
        ('rawframe', 'd 0 1', 'line 2: total_frames must be a positive integer, got 0'),
        ('rawframe', 'd -3 1', 'line 2: total_frames must be a positive integer, got -3'),
        ('rawframe', 'd ten 1', 'line 2: expected "frame_dir total_frames label"'),
        ('rawframe', 'd 10', 'line 2: missing label'),
        ('rawframe', 'd 10 1.5', r"line 2: labels must be integers, got \['1.5'\]"),
    ],
)
def test_malformed_annotation_lines_name_file_and_line(tmp_path, kind, line, message):
    good = 'ok.mp4 0' if kind == 'video' else 'ok 5 0'
    ann = write_ann(tmp_path / 'ann.txt', [good, line])
    dataset_type = VideoDataset if kind == 'video' else RawframeDataset
    with pytest.raises(AnnotationError, match=f'ann.txt, {message}'):
        dataset_type(ann, pipeline=[])


def test_labels_are_checked_against_num_classes(tmp_path):
    ann = write_ann(tmp_path / 'ann.txt', ['a.mp4 0', 'b.mp4 99', 'c.mp4 -1', 'd.mp4 7'])
    with pytest.raises(
        AnnotationError, match=r'line 2: label 99 is out of range for num_classes=8'
    ):
        VideoDataset(ann, pipeline=[], num_classes=8)
    dataset = VideoDataset(ann, pipeline=[])  # nothing to check against yet
    with pytest.raises(
        AnnotationError,
        match=r'line 2: label 99 .* model\.cls_head\.num_classes=8 '
        r'\(labels must be 0\.\.7; 2 line\(s\)',
    ):
        dataset.check_labels(8, 'model.cls_head.num_classes')
    with pytest.raises(AnnotationError, match='line 3: label -1 is out of range'):
        dataset.check_labels(100)

    multi = write_ann(tmp_path / 'multi.txt', ['a.mp4 0 3', 'b.mp4 1 8'])
    with pytest.raises(AnnotationError, match='multi.txt, line 2: label 8'):
        VideoDataset(multi, pipeline=[], multi_class=True, num_classes=8)


def test_missing_data_prefix_is_an_error(tmp_path):
    ann = write_ann(tmp_path / 'ann.txt', ['a.mp4 0'])
    with pytest.raises(AnnotationError, match=r"data_prefix '.*nowhere' \(for .*ann\.txt\) is not"):
        VideoDataset(ann, pipeline=[], data_prefix=str(tmp_path / 'nowhere'))
    # Remote prefixes are read through a file backend: not checked on the local disk.
    assert VideoDataset(ann, pipeline=[], data_prefix='s3://bucket/videos')[0]['filename'] == (
        's3://bucket/videos/a.mp4'
    )


@pytest.fixture()
def stops_halfway_root(tmp_path):
    """good.mp4, and stops.mp4: the same video whose second half is zeros."""
    from mmaction.utils.natural_video import write_natural_video

    good = tmp_path / 'good.mp4'
    write_natural_video(str(good), 32, 24, seconds=2, seed=0, faststart=True)
    data = good.read_bytes()
    (tmp_path / 'stops.mp4').write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))
    return tmp_path


# Clips of 16 frames, 3 apart, centred: they reach into the zeroed half.
HALFWAY_PIPELINE = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=16, frame_interval=3, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    to_batchable,
]


def test_video_that_stops_halfway_is_skipped_in_training(stops_halfway_root):
    lines = ['stops.mp4 0'] + ['good.mp4 1'] * 3
    ann = write_ann(stops_halfway_root / 'ann.txt', lines)
    dataset = VideoDataset(ann, HALFWAY_PIPELINE, data_prefix=str(stops_halfway_root))
    with pytest.warns(BrokenDataWarning, match='stops.mp4'):
        assert dataset[0]['label'].tolist() == [1]
    # In a worker process too, without hanging it (the loader times out otherwise).
    loader = DataLoader(dataset, batch_size=4, num_workers=1, timeout=60)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', BrokenDataWarning)
        (batch,) = list(loader)
    assert batch['label'].flatten().tolist() == [1, 1, 1, 1]


def test_video_that_stops_halfway_is_an_error_in_testing(stops_halfway_root):
    ann = write_ann(stops_halfway_root / 'ann.txt', ['good.mp4 1', 'stops.mp4 0'])
    dataset = VideoDataset(
        ann, HALFWAY_PIPELINE, data_prefix=str(stops_halfway_root), test_mode=True
    )
    loader = DataLoader(dataset, batch_size=1, num_workers=1, timeout=60)
    with pytest.raises(BrokenVideoError) as info:
        list(loader)
    # Re-raised from the worker as the worker's error: the file and reason,
    # not the worker's traceback (so the tools print it on one line).
    assert info.value.filename == str(stops_halfway_root / 'stops.mp4')
    assert 'PyAV cannot decode it' in info.value.reason and 'Traceback' not in str(info.value)
