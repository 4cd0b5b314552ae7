"""Inputs people send that are no video: one line naming what was got and what is needed."""

import os.path as osp
import sys

import av
import cv2
import numpy as np
import pytest
from tpn_run_helpers import CONFIG, ROOT, run

from mmaction.apis import inference_recognizer, init_recognizer
from mmaction.datasets import BrokenVideoError
from mmaction.utils.synthetic_data import render_video

NEEDS = 'expected a video file (.mp4, .avi, .mkv, .webm, ...) or a folder of its frames'


def write_audio_only(path: str) -> None:
    """One second of silence as AAC in an mp4 container: no video stream."""
    with av.open(path, 'w') as container:
        stream = container.add_stream('aac', rate=16000)
        for _ in range(16):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format='fltp', layout='mono'
            )
            frame.sample_rate = 16000
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


@pytest.fixture(scope='module')
def bad_inputs(tmp_path_factory):
    """``{kind: (path, what the message must say)}`` for each kind of non-video."""
    root = tmp_path_factory.mktemp('bad_inputs')
    frame = render_video(0, 1, 64, 64, np.random.default_rng(0))[0][..., ::-1]
    cv2.imwrite(str(root / 'photo.jpg'), frame)
    cv2.imwrite(str(root / 'photo.png'), frame)
    (root / 'renamed.mp4').write_bytes(cv2.imencode('.jpg', frame)[1].tobytes())
    (root / 'empty.mp4').write_bytes(b'')
    write_audio_only(str(root / 'speech.m4a'))
    folder = root / 'holiday'
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f'DSC{i:04d}.png'), frame)
    return {
        'jpeg': (str(root / 'photo.jpg'), 'an image (JPEG), not a video'),
        'png': (str(root / 'photo.png'), 'an image (PNG), not a video'),
        'renamed': (str(root / 'renamed.mp4'), 'an image (JPEG), not a video'),
        'empty': (str(root / 'empty.mp4'), 'the file is empty (0 bytes)'),
        'audio': (str(root / 'speech.m4a'), 'no video stream (audio streams only)'),
        'folder': (
            str(folder),
            "no frame files named like img_00001.jpg (the config's filename_tmpl): it holds 3 "
            'other files, e.g. DSC0000.png; expected frames img_00001.jpg, img_00002.jpg, ...',
        ),
    }


KINDS = ['jpeg', 'png', 'renamed', 'empty', 'audio', 'folder']


@pytest.fixture(scope='module')
def model():
    return init_recognizer(CONFIG, None, 'cpu')


@pytest.mark.parametrize('kind', KINDS)
def test_api_refuses_what_is_no_video(model, bad_inputs, kind):
    path, says = bad_inputs[kind]
    with pytest.raises(BrokenVideoError) as info:
        inference_recognizer(model, path)
    message = str(info.value)
    assert message.startswith(f'Broken video data {path!r}: ') and says in message
    if kind != 'folder':
        assert message.endswith(NEEDS)
    assert '\n' not in message


@pytest.mark.parametrize('kind', KINDS)
def test_demo_prints_one_line_and_no_prediction(bad_inputs, untrained_checkpoint, tmp_path, kind):
    from tool_loader import load_tool

    demo = load_tool('demo/demo.py', 'demo_script')
    path, says = bad_inputs[kind]
    labels = tmp_path / 'labels.txt'
    labels.write_text(''.join(f'class{i}\n' for i in range(8)))
    with pytest.raises(SystemExit) as info:
        demo.main([CONFIG, untrained_checkpoint, path, str(labels), '--device', 'cpu'])
    message = str(info.value.code)
    assert message.startswith('error: Broken video data') and says in message
    assert '\n' not in message


@pytest.mark.parametrize('kind', ['jpeg', 'audio', 'folder'])
def test_long_video_demo_prints_one_line(bad_inputs, untrained_checkpoint, tmp_path, kind):
    from tool_loader import load_tool

    demo = load_tool('demo/long_video_demo.py')
    path, says = bad_inputs[kind]
    labels = tmp_path / 'labels.txt'
    labels.write_text(''.join(f'class{i}\n' for i in range(8)))
    out = tmp_path / 'timeline.json'
    with pytest.raises(SystemExit) as info:
        demo.main([CONFIG, untrained_checkpoint, path, str(labels), str(out), '--device', 'cpu'])
    message = str(info.value.code)
    assert message.startswith('error: Broken video data') and says in message
    assert not out.exists()


@pytest.mark.slow
def test_demo_given_a_jpeg_exits_with_one_line(bad_inputs, untrained_checkpoint, tmp_path):
    labels = tmp_path / 'labels.txt'
    labels.write_text(''.join(f'class{i}\n' for i in range(8)))
    path, says = bad_inputs['jpeg']
    proc = run([sys.executable, osp.join(ROOT, 'demo', 'demo.py'), CONFIG, untrained_checkpoint,
                path, str(labels), '--device', 'cpu'], check=False)  # fmt: skip
    assert proc.returncode == 1
    assert 'top-5' not in proc.stdout and 'Traceback' not in proc.stderr
    assert (
        proc.stderr.strip().splitlines()[-1]
        == f'error: Broken video data {path!r}: {says}; {NEEDS}'
    )
