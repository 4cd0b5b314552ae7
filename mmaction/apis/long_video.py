"""Recognition over a long video: windows slid over the frames, a timeline of labels.

The video is decoded one frame at a time and at most ``window`` frames are
held (:func:`slide`), so memory does not grow with the length of the video.
"""

import json
import os.path as osp
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, List, NamedTuple, Optional, Union

import numpy as np
from torch import nn

from mmaction.engine.runtime.atomic_io import atomic_write_text
from mmaction.utils.errors import ConfigError

from .annotated_video import LabelledVideoWriter, check_video_path, draw_labels, label_lines
from .inference import LabelMap, RecognitionResult, class_names, inference_recognizer
from .inference_pipeline import Views, frame_stream
from .video_source import FrameStream


class Window(NamedTuple):
    """Frames ``start`` to ``stop - 1`` of the video, stacked ``(T, H, W, 3)``."""

    start: int
    stop: int
    frames: np.ndarray


class Frame(NamedTuple):
    """Frame ``index`` of the video, once no later window needs it."""

    index: int
    image: np.ndarray


def slide(frames: Iterable[np.ndarray], window: int, stride: int) -> Iterator[Union[Window, Frame]]:
    """Cut a stream of frames into windows, holding at most ``window`` frames.

    Windows start at frames ``0, stride, 2 * stride, ...`` and are ``window``
    frames long; when the last of them ends before the video does, one more
    window ends at the last frame, and a video shorter than ``window`` is one
    window. Every frame is also handed back, in order, once no later window
    needs it: at that point the window yielded last is the latest one that
    starts at or before the frame (or, between windows that do not overlap,
    the one before it).

    Args:
        frames: The frames, in order (an iterator is read once).
        window: Frames per window.
        stride: Frames from one window start to the next.

    Yields:
        :class:`Window` and :class:`Frame` items, interleaved.
    """
    if window < 1 or stride < 1:
        raise ValueError(f'window and stride must be positive, got {window} and {stride}')
    buffer: deque = deque()
    next_start, last_stop, total = 0, 0, 0
    for index, frame in enumerate(frames):
        if len(buffer) == window:
            yield Frame(index - window, buffer.popleft())
        buffer.append(frame)
        total = index + 1
        if total - window == next_start:
            yield Window(next_start, total, np.stack(buffer))
            last_stop, next_start = total, next_start + stride
    if not total:
        return
    first = total - len(buffer)
    if last_stop < total:
        yield Window(first, total, np.stack(buffer))
    while buffer:
        yield Frame(first, buffer.popleft())
        first += 1


@dataclass
class TimelineOptions:
    """How :func:`recognize_long_video` slides over a video.

    Attributes:
        window: Frames per window; None: one clip of the test sampler
            (``clip_len x frame_interval``; for 2D models times ``num_clips``).
        stride: Frames between window starts; None: half a window.
        top_k: Classes listed per window.
        threshold: Classes scoring below it are left out of a window's list.
        views: Views of each window; by default one clip, the config's crops.
        font_scale: Size of the labels drawn on an output video.
        fps: Frame rate; None: the video's (30 for a frame folder).
    """

    window: Optional[int] = None
    stride: Optional[int] = None
    top_k: int = 5
    threshold: float = 0.0
    views: Views = field(default_factory=lambda: Views(clips=1))
    font_scale: float = 0.5
    fps: Optional[float] = None


def clip_span(cfg: Any) -> int:
    """Frames one view of the test pipeline covers (the default window)."""
    pipeline = cfg['data']['test']['pipeline']
    samplers = [step for step in pipeline if str(step.get('type', '')).endswith('SampleFrames')]
    if not samplers:
        raise ConfigError('data.test.pipeline has no SampleFrames step: give the window length')
    sampler = samplers[0]
    span = int(sampler.get('clip_len', 1)) * int(sampler.get('frame_interval', 1))
    formats = [step.get('input_format') for step in pipeline if step.get('type') == 'FormatShape']
    if formats and formats[0] == 'NCHW':
        span *= int(sampler.get('num_clips', 1))
    return span


def _window_entry(window: Window, result: RecognitionResult, fps: float, threshold: float) -> dict:
    return dict(
        start_frame=window.start,
        end_frame=window.stop - 1,
        start_sec=round(window.start / fps, 6),
        end_sec=round(window.stop / fps, 6),
        top_k=[
            dict(index=entry.index, label=entry.name, score=entry.score)
            for entry in result.top_k
            if entry.score >= threshold
        ],
    )


def recognize_long_video(
    model: nn.Module,
    video: Any,
    options: Optional[TimelineOptions] = None,
    label_map: LabelMap = None,
    writer: Optional[LabelledVideoWriter] = None,
) -> dict:
    """Score windows slid over a video and return the timeline.

    Args:
        model: A recognizer from :func:`~mmaction.apis.init_recognizer`.
        video: A video file, frame folder, frames array or
            :class:`FrameStream`.
        options: Window, stride, top-k, threshold, views (defaults:
            ``TimelineOptions()``).
        label_map: A label map file or the class names.
        writer: If given, every frame is written to it with its window's
            labels drawn on (the latest window starting at or before it).

    Returns:
        dict: ``video``, ``fps``, ``num_frames``, ``window``, ``stride``,
        ``top_k``, ``threshold`` and ``windows``: one entry per window with
        ``start_frame``, ``end_frame`` (inclusive), ``start_sec``,
        ``end_sec`` (end of the last frame) and ``top_k`` (``index``,
        ``label``, ``score``, best first).
    """
    options = options or TimelineOptions()
    stream = (
        video if isinstance(video, FrameStream) else frame_stream(model.cfg, video, options.fps)
    )
    names = class_names(model, label_map)  # read and checked once, not per window
    window = options.window or clip_span(model.cfg)
    stride = options.stride or max(1, window // 2)
    entries: List[dict] = []
    lines: List[str] = []
    num_frames = 0
    for item in slide(stream, window, stride):
        if isinstance(item, Window):
            result = inference_recognizer(
                model, item.frames, views=options.views, label_map=names, top_k=options.top_k
            )
            entries.append(_window_entry(item, result, stream.fps, options.threshold))
            lines = label_lines(result.top_k, options.threshold)
        else:
            num_frames = item.index + 1
            if writer is not None:
                writer.write(draw_labels(item.image, lines, options.font_scale))
    return dict(
        video=stream.name, fps=stream.fps, num_frames=num_frames, window=window, stride=stride,
        top_k=options.top_k, threshold=options.threshold, windows=entries,
    )  # fmt: skip


def write_timeline(
    model: nn.Module,
    video: Any,
    out: str,
    options: Optional[TimelineOptions] = None,
    label_map: LabelMap = None,
) -> List[str]:
    """Run :func:`recognize_long_video` and write what ``out`` asks for.

    A ``.json`` ``out`` gets the timeline. An ``.mp4`` or ``.gif`` ``out``
    gets the video with the labels drawn on, and the timeline goes beside it
    (same name, ``.json``).

    Returns:
        The files written.
    """
    options = options or TimelineOptions()
    base, suffix = osp.splitext(out)
    if suffix.lower() == '.json':
        timeline = recognize_long_video(model, video, options, label_map)
        written = [out]
    else:
        check_video_path(out)
        stream = frame_stream(model.cfg, video, options.fps)
        with LabelledVideoWriter(out, stream.fps) as writer:
            timeline = recognize_long_video(model, stream, options, label_map, writer)
        written = [out, base + '.json']
    atomic_write_text(written[-1], json.dumps(timeline, indent=2) + '\n')
    return written
