"""demo/demo.py and demo/long_video_demo.py on the tiny trained synthetic TPN."""

import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from tool_loader import load_tool
from tpn_run_helpers import ROOT, decode_video, run, val_videos

from mmaction.apis import inference_recognizer, init_recognizer
from mmaction.utils.synthetic_data import write_video

DEMO = osp.join(ROOT, 'demo', 'demo.py')


@pytest.fixture(scope='module')
def demo():
    return load_tool('demo/demo.py', 'demo_script')


@pytest.fixture(scope='module')
def long_demo():
    return load_tool('demo/long_video_demo.py')


def label_map(run_):
    return osp.join(run_.data_root, 'label_map.txt')


@pytest.mark.slow
def test_demo_prints_top_k_and_writes_the_labelled_video(tiny_trained_run, tmp_path):
    video = val_videos(tiny_trained_run.data_root)[2]
    out = tmp_path / 'out.mp4'
    proc = run([sys.executable, DEMO, tiny_trained_run.config, tiny_trained_run.checkpoint,
                video, label_map(tiny_trained_run), '--out-filename', str(out)])  # fmt: skip
    model = init_recognizer(tiny_trained_run.config, tiny_trained_run.checkpoint, 'cpu')
    expected = inference_recognizer(model, video, label_map=label_map(tiny_trained_run))
    lines = proc.stdout.splitlines()
    top = lines.index('The top-5 labels with corresponding scores are:')
    assert lines[top + 1 : top + 6] == [f'{t.name}: {t.score:.4f}' for t in expected.top_k]
    if not torch.cuda.is_available():  # the default --device is cuda:0
        assert 'CUDA is not available: running on the CPU instead of cuda:0' in proc.stdout
    frames = decode_video(str(out))
    assert frames.shape == (16, 256, 256, 3)  # 64x64 frames scaled up 4x for the text
    # The label box darkens the top-left corner; the rest is the video, scaled up.
    source = decode_video(video)
    scaled = source[5].repeat(4, axis=0).repeat(4, axis=1)
    corner, rest = (slice(0, 40), slice(0, 120)), (slice(160, 256), slice(0, 256))
    assert np.median(frames[5][corner]) < 0.6 * np.median(scaled[corner])
    white = (frames[5][corner].min(axis=2) > 200).sum()  # the text
    assert white > 100 and white > 10 * (scaled[corner].min(axis=2) > 200).sum()
    assert np.abs(frames[5][rest].astype(int) - scaled[rest]).mean() < 12  # lossy codec


@pytest.mark.slow
def test_demo_gif_from_a_frame_folder(demo, tiny_trained_run, tmp_path, capsys):
    folder = osp.join(tiny_trained_run.data_root, 'rawframes', 'val', 'move_up_slow_0000')
    out = tmp_path / 'out.gif'
    demo.main([tiny_trained_run.config, tiny_trained_run.checkpoint, folder,
               label_map(tiny_trained_run), '--device', 'cpu', '--top-k', '3',
               '--out-filename', str(out), '--fps', '8'])  # fmt: skip
    printed = capsys.readouterr().out
    assert 'The top-3 labels' in printed and f'wrote {out} (16 frames, 8 fps)' in printed
    assert decode_video(str(out)).shape == (16, 256, 256, 3)


@pytest.mark.slow
def test_demo_bad_label_map_is_one_error_line(demo, tiny_trained_run, tmp_path):
    labels = tmp_path / 'labels.txt'
    labels.write_text('a\nb\n')
    video = val_videos(tiny_trained_run.data_root)[0]
    with pytest.raises(SystemExit) as info:
        demo.main([tiny_trained_run.config, tiny_trained_run.checkpoint, video, str(labels),
                   '--device', 'cpu'])  # fmt: skip
    message = str(info.value.code)
    assert message.startswith('error: Label map') and 'num_classes=8' in message
    assert '\n' not in message


@pytest.fixture(scope='module')
def long_video(tiny_trained_run, tmp_path_factory):
    """Three validation videos one after the other: 48 frames at 16 fps."""
    videos = val_videos(tiny_trained_run.data_root)
    path = str(tmp_path_factory.mktemp('long') / 'long.mp4')
    write_video(path, np.concatenate([decode_video(videos[i]) for i in (0, 3, 6)]), 16.0)
    return path


@pytest.mark.slow
def test_long_video_demo_writes_video_and_timeline(long_demo, tiny_trained_run, long_video,
                                                   tmp_path):  # fmt: skip
    out = tmp_path / 'timeline.mp4'
    long_demo.main([tiny_trained_run.config, tiny_trained_run.checkpoint, long_video,
                    label_map(tiny_trained_run), str(out), '--window', '16', '--stride', '12',
                    '--top-k', '3', '--device', 'cpu'])  # fmt: skip
    assert decode_video(str(out)).shape == (48, 256, 256, 3)
    with open(tmp_path / 'timeline.json') as f:
        timeline = json.load(f)
    # Windows every 12 frames, and one more that ends at the last frame.
    spans = [(w['start_frame'], w['end_frame'], w['start_sec'], w['end_sec'])
             for w in timeline['windows']]  # fmt: skip
    assert spans == [(0, 15, 0.0, 1.0), (12, 27, 0.75, 1.75), (24, 39, 1.5, 2.5),
                     (32, 47, 2.0, 3.0)]  # fmt: skip
    with open(label_map(tiny_trained_run)) as f:
        names = f.read().split()
    for window in timeline['windows']:
        assert len(window['top_k']) == 3
        scores = [entry['score'] for entry in window['top_k']]
        assert scores == sorted(scores, reverse=True)
        assert all(entry['label'] == names[entry['index']] for entry in window['top_k'])
    assert (timeline['num_frames'], timeline['fps']) == (48, 16.0)


@pytest.mark.slow
def test_long_video_demo_json_only(long_demo, tiny_trained_run, long_video, tmp_path):
    out = tmp_path / 'timeline.json'
    long_demo.main([tiny_trained_run.config, tiny_trained_run.checkpoint, long_video,
                    label_map(tiny_trained_run), str(out), '--stride', '32', '--threshold', '0.2',
                    '--device', 'cpu', '--window', '16'])  # fmt: skip
    assert os.listdir(tmp_path) == ['timeline.json']
    with open(out) as f:
        windows = json.load(f)['windows']
    assert [(w['start_frame'], w['end_frame']) for w in windows] == [(0, 15), (32, 47)]
    assert all(entry['score'] >= 0.2 for w in windows for entry in w['top_k'])


@pytest.mark.slow
def test_demo_with_the_onnxruntime_backend(demo, tiny_trained_run, capsys):
    """--backend onnxruntime, no --device: the CPU, and the scores of the PyTorch model."""
    video = val_videos(tiny_trained_run.data_root)[4]
    labels = label_map(tiny_trained_run)
    demo.main([tiny_trained_run.config, tiny_trained_run.checkpoint, video, labels,
               '--backend', 'onnxruntime'])  # fmt: skip
    printed = capsys.readouterr().out
    assert 'CUDA is not available' not in printed
    lines = printed.splitlines()
    top = lines.index('The top-5 labels with corresponding scores are:')
    model = init_recognizer(tiny_trained_run.config, tiny_trained_run.checkpoint, 'cpu')
    expected = inference_recognizer(model, video, label_map=labels).top_k
    got = [line.rsplit(': ', 1) for line in lines[top + 1 : top + 6]]
    assert [name for name, _ in got] == [t.name for t in expected]
    # printed to 4 digits: half a unit of the last digit, and the backend's 1e-4
    assert all(abs(float(score) - t.score) <= 1.5e-4 for (_, score), t in zip(got, expected))


@pytest.mark.slow
def test_long_video_demo_with_the_onnxruntime_backend(long_demo, tiny_trained_run, long_video,
                                                      tmp_path):  # fmt: skip
    timelines = {}
    for backend in ('pytorch', 'onnxruntime'):
        out = tmp_path / f'{backend}.json'
        long_demo.main([tiny_trained_run.config, tiny_trained_run.checkpoint, long_video,
                        label_map(tiny_trained_run), str(out), '--device', 'cpu',
                        '--backend', backend])  # fmt: skip
        with open(out) as f:
            timelines[backend] = json.load(f)['windows']
    assert len(timelines['pytorch']) == len(timelines['onnxruntime']) > 1
    for mine, theirs in zip(timelines['onnxruntime'], timelines['pytorch']):
        assert [e['index'] for e in mine['top_k']] == [e['index'] for e in theirs['top_k']]
        for a, b in zip(mine['top_k'], theirs['top_k']):
            assert abs(a['score'] - b['score']) <= 1e-4
