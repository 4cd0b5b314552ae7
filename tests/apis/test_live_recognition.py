"""The live window (drops rather than queues) and the webcam demo on a file read at its pace."""

import re
import sys
import time

import numpy as np
import pytest
from tpn_run_helpers import CONFIG, ROOT, run

from mmaction.apis.live_source import FrameWindow, open_source
from mmaction.utils.synthetic_data import render_video, write_video

WEBCAM = f'{ROOT}/demo/webcam_demo.py'


def frame(i):
    return np.full((2, 2, 3), i, np.uint8)


def test_window_keeps_the_latest_frames_and_counts_the_dropped():
    window = FrameWindow(4)
    for i in range(3):
        window.push(frame(i))
    assert window.snapshot() is None  # not full yet
    window.push(frame(3))
    first, frames = window.snapshot()
    assert first == 0 and frames[:, 0, 0, 0].tolist() == [0, 1, 2, 3]
    assert window.snapshot() is None  # nothing new
    for i in range(4, 10):  # recognition busy: 4 and 5 leave the window unseen
        window.push(frame(i))
    first, frames = window.snapshot()
    assert first == 6 and frames[:, 0, 0, 0].tolist() == [6, 7, 8, 9]
    assert window.dropped == 2
    window.push(frame(10))
    window.close()
    assert window.wait_for_new(timeout=0.1)
    first, frames = window.snapshot()  # overlaps the last snapshot: nothing more dropped
    assert first == 7 and window.dropped == 2
    assert not window.wait_for_new(timeout=0.1)


def test_short_source_is_scored_once_it_ends():
    window = FrameWindow(8)
    for i in range(3):
        window.push(frame(i))
    assert not window.wait_for_new(timeout=0.05)
    window.close()
    first, frames = window.snapshot()
    assert first == 0 and len(frames) == 3 and window.dropped == 0


def test_a_file_is_read_at_its_frame_rate(tmp_path):
    path = str(tmp_path / 'clip.mp4')
    write_video(path, render_video(0, 12, 32, 32, np.random.default_rng(0)), 24.0)
    source = open_source(path)
    start = time.monotonic()
    count = sum(1 for _ in source.frames)
    elapsed = time.monotonic() - start
    assert (count, source.fps) == (12, 24.0)
    assert 11 / 24 <= elapsed < 11 / 24 + 1.5  # frame i no earlier than i / fps


def test_camera_that_cannot_open_is_one_line():
    from mmaction.apis.live_source import SourceError

    with pytest.raises(SourceError, match='cannot open camera 97: give another --camera-id'):
        open_source(97)


@pytest.mark.slow
def test_webcam_demo_on_a_file_keeps_pace(untrained_checkpoint, tiny_synthetic, tmp_path):
    video = str(tmp_path / 'live.mp4')  # 64 frames at 16 fps: 4 s
    write_video(video, render_video(3, 64, 64, 64, np.random.default_rng(0)), 16.0)
    out = tmp_path / 'live.gif'
    proc = run([sys.executable, WEBCAM, CONFIG, untrained_checkpoint,
                f'{tiny_synthetic}/label_map.txt', '--source', video, '--device', 'cpu',
                '--threshold', '0.0', '--inference-fps', '2', '--drawing-fps', '5',
                '--out-filename', str(out)], extra_env={'DISPLAY': ''})  # fmt: skip
    lines = proc.stdout.splitlines()
    windows = [line for line in lines if re.match(r' *\d+\.\d\d s  frames \d+-\d+: ', line)]
    assert windows and all('move_' in line for line in windows)
    summary = re.fullmatch(
        r'read (\d+) frames in ([\d.]+) s \(([\d.]+) fps\), scored (\d+) windows '
        r'\(([\d.]+) per s\), drew (\d+) frames; dropped (\d+) frames',
        lines[-2],
    )
    assert summary, lines
    frames, seconds, scored, dropped = (int(summary[1]), float(summary[2]), int(summary[4]),
                                        int(summary[7]))  # fmt: skip
    assert frames == 64 and scored == len(windows)
    # Read live: no faster than the video, and at most its length plus a 4 s margin (the
    # last window's scoring) however slow the machine: frames are dropped, not queued.
    assert 63 / 16 <= seconds <= 4.0 + 4.0
    assert 0 <= dropped < 64
    assert lines[-1] == f'wrote {out}'
