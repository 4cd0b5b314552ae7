"""Sliding windows over a long video: which windows, which frames, how many held."""

import weakref

import numpy as np
import pytest
from tpn_run_helpers import decode_video, val_videos

from mmaction.apis import Views, inference_recognizer, init_recognizer
from mmaction.apis.long_video import Frame, TimelineOptions, Window, recognize_long_video, slide


def numbered(total):
    """Frames whose pixels hold their index (mod 256)."""
    return (np.full((2, 2, 3), i % 256, np.uint8) for i in range(total))


@pytest.mark.parametrize(
    'total, window, stride, expected',
    [
        (45, 16, 8, [(0, 16), (8, 24), (16, 32), (24, 40), (29, 45)]),  # + one ending at the end
        (32, 16, 16, [(0, 16), (16, 32)]),
        (10, 16, 8, [(0, 10)]),  # shorter than a window: one window
        (45, 20, 30, [(0, 20), (25, 45)]),  # windows that do not touch
        (16, 16, 4, [(0, 16)]),
    ],
)
def test_windows_and_frames(total, window, stride, expected):
    items = list(slide(numbered(total), window, stride))
    windows = [item for item in items if isinstance(item, Window)]
    assert [(w.start, w.stop) for w in windows] == expected
    for w in windows:
        assert w.frames.shape == (w.stop - w.start, 2, 2, 3)
        assert w.frames[:, 0, 0, 0].tolist() == list(range(w.start, w.stop))
    frames = [item for item in items if isinstance(item, Frame)]
    assert [f.index for f in frames] == list(range(total))
    assert [int(f.image[0, 0, 0]) for f in frames] == list(range(total))
    # Each frame comes after the latest window starting at or before it.
    latest = None
    for item in items:
        if isinstance(item, Window):
            latest = item
        else:
            assert latest is not None and latest.start <= item.index
            later = [w for w in windows if latest.start < w.start <= item.index]
            assert not later


class Tracked(np.ndarray):
    """An array that can be watched with a weak reference."""


def test_holds_at_most_a_window_of_frames():
    alive = set()

    def source(total):
        for i in range(total):
            frame = np.zeros((8, 8, 3), np.uint8).view(Tracked)
            alive.add(i)
            weakref.finalize(frame, alive.discard, i)
            yield frame

    most = 0
    for item in slide(source(500), window=16, stride=4):
        most = max(most, len(alive))
        del item
    assert 16 <= most <= 16 + 1  # the window and the frame being read
    assert not alive


@pytest.mark.slow
def test_timeline_scores_each_window_as_the_api_does(tiny_trained_run):
    # Every 2nd frame (the config samples every 4th): 16-frame windows, three of them in 32.
    every_2nd = {'data.test.pipeline.1.frame_interval': 2}
    model = init_recognizer(tiny_trained_run.config, tiny_trained_run.checkpoint, 'cpu', every_2nd)
    videos = val_videos(tiny_trained_run.data_root)
    frames = np.concatenate([decode_video(videos[0]), decode_video(videos[5])])
    assert len(frames) == 32
    names = [f'class {i}' for i in range(8)]
    options = TimelineOptions(stride=8, top_k=2, fps=8.0)
    timeline = recognize_long_video(model, frames, options, label_map=names)
    # The default window is one clip of the test sampler: clip_len 8 x frame_interval 2.
    assert (timeline['window'], timeline['stride'], timeline['num_frames']) == (16, 8, 32)
    assert len(timeline['windows']) == 3
    for entry, start in zip(timeline['windows'], (0, 8, 16)):
        alone = inference_recognizer(model, frames[start : start + 16], views=Views(clips=1))
        assert entry == dict(
            start_frame=start,
            end_frame=start + 15,
            start_sec=start / 8,
            end_sec=(start + 16) / 8,
            top_k=[
                dict(index=t.index, label=names[t.index], score=t.score) for t in alone.top_k[:2]
            ],
        )
    options.threshold = 1.1  # above any probability
    assert all(not w['top_k'] for w in recognize_long_video(model, frames, options)['windows'])


def test_errors():
    with pytest.raises(ValueError, match='positive'):
        list(slide(numbered(3), 0, 1))
    assert list(slide(numbered(0), 4, 2)) == []
