"""Recognition on live frames: the webcam and stream demo.

Three threads share one :class:`~.live_source.FrameWindow`: one reads the
source into it as the frames come, one scores the window at most
``inference_fps`` times a second, and the caller's draws the newest frame
with the current classes ``drawing_fps`` times a second (on a display,
into a video file, or not at all). When the recognition is slower than the
source, frames leave the window unseen rather than queue up: the demo
never falls behind, and the frames it drops are counted.
"""

import os
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, List, Optional, Union

import numpy as np
from torch import nn

from .annotated_video import LabelledVideoWriter, draw_labels
from .inference import TopK, class_names, inference_recognizer
from .inference_pipeline import Views
from .live_source import FrameWindow, LiveSource, open_source
from .long_video import clip_span


@dataclass
class LiveOptions:
    """How the live demo scores and shows.

    Attributes:
        threshold: Classes scoring below it are not shown.
        average_size: Score the mean of the last this many windows.
        drawing_fps: Frames drawn per second (display or output file).
        inference_fps: Windows scored per second at most.
        top_k: Classes shown at most.
        font_scale: Size of the label text.
    """

    threshold: float = 0.2
    average_size: int = 1
    drawing_fps: float = 20.0
    inference_fps: float = 4.0
    top_k: int = 5
    font_scale: float = 0.5


@dataclass
class LiveStats:
    """What a live run achieved.

    Attributes:
        frames: Frames read from the source.
        seconds: Wall time from the first frame read to the end.
        inferences: Windows scored.
        dropped: Frames that no scored window held.
        drawn: Frames drawn (shown or written).
    """

    frames: int
    seconds: float
    inferences: int
    dropped: int
    drawn: int

    def summary(self) -> str:
        """One line: frames per second read, windows per second scored, frames dropped."""
        seconds = max(self.seconds, 1e-9)
        return (
            f'read {self.frames} frames in {self.seconds:.2f} s ({self.frames / seconds:.1f} fps), '
            f'scored {self.inferences} windows ({self.inferences / seconds:.1f} per s), '
            f'drew {self.drawn} frames; dropped {self.dropped} frames'
        )


class _Recognizer:
    """Scores the window whenever new frames came, at most ``inference_fps`` times a second."""

    def __init__(self, model: nn.Module, window: FrameWindow, options: LiveOptions, names):
        self.model, self.window, self.options, self.names = model, window, options, names
        self.recent: deque = deque(maxlen=options.average_size)
        self.lines: List[str] = []
        self.count = 0
        self.error: Optional[BaseException] = None

    def _score(self, frames: np.ndarray) -> List[TopK]:
        result = inference_recognizer(self.model, frames, views=Views(clips=1))
        self.recent.append(result.scores)
        scores = np.mean(self.recent, axis=0)
        order = np.argsort(-scores, kind='stable')[: self.options.top_k]
        return [
            TopK(int(i), float(scores[i]), self.names[i] if self.names else None) for i in order
        ]

    def run(self, report: Callable[[float, int, int, List[TopK]], None], start: float) -> None:
        period = 1.0 / self.options.inference_fps
        try:
            while self.window.wait_for_new(timeout=0.5) or not self.window.closed:
                snapshot = self.window.snapshot()
                if snapshot is None:
                    continue
                begun = time.monotonic()
                first, frames = snapshot
                best = [t for t in self._score(frames) if t.score >= self.options.threshold]
                self.lines = [f'{t.name or t.index}: {t.score:.2f}' for t in best]
                self.count += 1
                report(begun - start, first, first + len(frames) - 1, best)
                time.sleep(max(0.0, begun + period - time.monotonic()))
        except BaseException as error:  # handed to the main thread, which raises it
            self.error = error


def print_report(seconds: float, first: int, last: int, best: List[TopK]) -> None:
    """Print one scored window: when, which frames, the classes above the threshold."""
    shown = ', '.join(f'{t.name or t.index} {t.score:.2f}' for t in best) or 'no class above it'
    print(f'{seconds:7.2f} s  frames {first}-{last}: {shown}', flush=True)


def has_display() -> bool:
    """Whether a window can be shown (an X11 or Wayland display on Linux)."""
    if sys.platform.startswith('linux'):
        return bool(os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY'))
    return True


def _read(source: LiveSource, window: FrameWindow, stop: threading.Event) -> None:
    try:
        for frame in source.frames:
            if stop.is_set():
                return
            window.push(frame)
    finally:
        window.close()


def _draw_loop(window, recognizer, worker, options, show, writer, stop) -> int:
    """Draw the newest frame with the current classes until the recognition ends."""
    import cv2

    drawn, period = 0, 1.0 / options.drawing_fps
    while worker.is_alive():
        tick = time.monotonic()
        frame = window.latest()
        if frame is not None and (show or writer is not None):
            image = draw_labels(frame, recognizer.lines, options.font_scale)
            if writer is not None:
                writer.write(image)
            if show:
                cv2.imshow('webcam demo (q: quit)', image[..., ::-1])
                if cv2.waitKey(1) & 0xFF in (ord('q'), 27):
                    stop.set()
            drawn += 1
        worker.join(max(0.0, tick + period - time.monotonic()))
    return drawn


def run_live(
    model: nn.Module,
    source: Union[int, str],
    options: Optional[LiveOptions] = None,
    label_map=None,
    show: bool = False,
    out_filename: Optional[str] = None,
    report: Callable[[float, int, int, List[TopK]], None] = print_report,
) -> LiveStats:
    """Recognize actions on a live source until it ends (or ``q`` on the display).

    Args:
        model: A recognizer from :func:`~mmaction.apis.init_recognizer`.
        source: A camera number, a stream URL, or a video file or frame
            folder (read at its own frame rate, as if live).
        options: See :class:`LiveOptions`.
        label_map: A label map file or the class names.
        show: Show the frames and classes in a window.
        out_filename: Also write what is drawn, ``.mp4`` or ``.gif``, at
            ``drawing_fps``.
        report: Called with each scored window (default: prints it).

    Returns:
        LiveStats: Frames read, windows scored, frames dropped, frames drawn.
    """
    options = options or LiveOptions()
    names = class_names(model, label_map)
    window = FrameWindow(clip_span(model.cfg))
    live = open_source(source)
    recognizer, stop = _Recognizer(model, window, options, names), threading.Event()
    start = time.monotonic()
    reader = threading.Thread(target=_read, args=(live, window, stop), daemon=True)
    worker = threading.Thread(target=recognizer.run, args=(report, start), daemon=True)
    reader.start()
    worker.start()
    writer = LabelledVideoWriter(out_filename, options.drawing_fps) if out_filename else None
    try:
        drawn = _draw_loop(window, recognizer, worker, options, show, writer, stop)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        stop.set()
        window.close()
        worker.join()
    if writer is not None and writer.frames_written:
        writer.close()
    if recognizer.error is not None:
        raise recognizer.error
    return LiveStats(
        window.pushed, time.monotonic() - start, recognizer.count, window.dropped, drawn
    )
