"""Frames as they come, from a camera, a stream or a file read at its own pace.

The webcam demo's input side: :func:`open_source` gives an iterator of RGB
frames, and :class:`FrameWindow` keeps the latest of them (a sliding window
that drops the oldest frame when a new one comes) and counts the frames
that left it before any recognition saw them.
"""

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Iterator, Optional, Tuple, Union

import numpy as np

from mmaction.utils.errors import UserError

from .video_source import FrameStream


class SourceError(UserError, OSError):
    """A camera or stream cannot be opened."""


@dataclass
class LiveSource:
    """Where live frames come from.

    Attributes:
        name: The camera (``camera 0``), stream URL or file.
        frames: RGB uint8 frames, as they come (a file: at its frame rate).
        fps: The source's frame rate, where it says one.
    """

    name: str
    frames: Iterator[np.ndarray]
    fps: Optional[float]


def _capture_frames(capture, name: str) -> Iterator[np.ndarray]:
    import cv2

    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    finally:
        capture.release()


def _paced(frames: Iterator[np.ndarray], fps: float) -> Iterator[np.ndarray]:
    """Hand out frame ``i`` no earlier than ``i / fps`` seconds after the first: a live file."""
    start = time.monotonic()
    for index, frame in enumerate(frames):
        delay = start + index / fps - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield frame


def open_source(source: Union[int, str]) -> LiveSource:
    """Open a camera (its number), a stream (a URL) or a file or frame folder (read live).

    Raises:
        SourceError: The camera or stream cannot be opened.
        BrokenVideoError: The file is no video.
    """
    if isinstance(source, str) and '://' not in source:
        stream = FrameStream(source)
        return LiveSource(stream.name, _paced(iter(stream), stream.fps), stream.fps)
    import cv2

    name = f'camera {source}' if isinstance(source, int) else source
    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        raise SourceError(f'cannot open {name}: give another --camera-id, or --source FILE_OR_URL')
    fps = capture.get(cv2.CAP_PROP_FPS) or None
    return LiveSource(name, _capture_frames(capture, name), fps)


class FrameWindow:
    """The latest ``size`` frames of a live source, shared between threads.

    A new frame pushes out the oldest. Recognition takes :meth:`snapshot`
    of it; a frame pushed out before any snapshot held it is dropped (the
    recognition did not keep up), and :attr:`dropped` counts those.

    Args:
        size: Frames in the window (one view of the test sampler).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._frames: deque = deque(maxlen=size)
        self._lock = threading.Condition()
        self.pushed = 0  # frames pushed so far; the newest is number pushed - 1
        self.seen_until = -1  # the newest frame a snapshot held
        self.covered = 0  # frames some snapshot held
        self.closed = False

    def push(self, frame: np.ndarray) -> None:
        """Add the newest frame."""
        with self._lock:
            self._frames.append(frame)
            self.pushed += 1
            self._lock.notify_all()

    def close(self) -> None:
        """The source has ended."""
        with self._lock:
            self.closed = True
            self._lock.notify_all()

    def latest(self) -> Optional[np.ndarray]:
        """The newest frame, or None before the first."""
        with self._lock:
            return self._frames[-1] if self._frames else None

    def _ready(self) -> bool:
        # A full window with a frame no snapshot held; once the source ended, any such frame.
        new = self.pushed - 1 > self.seen_until
        return new and (len(self._frames) == self.size or self.closed)

    def wait_for_new(self, timeout: float) -> bool:
        """Wait until :meth:`snapshot` has new frames to give, or the source ended."""
        with self._lock:
            self._lock.wait_for(lambda: self._ready() or self.closed, timeout)
            return self._ready()

    def snapshot(self) -> Optional[Tuple[int, np.ndarray]]:
        """``(number of the first frame, (T, H, W, 3) frames)`` of the window, marked as seen.

        None until the window is full (or the source ended) and while no
        frame came since the last snapshot.
        """
        with self._lock:
            if not self._ready():
                return None
            newest = self.pushed - 1
            first = self.pushed - len(self._frames)
            self.covered += newest - max(first, self.seen_until + 1) + 1
            self.seen_until = newest
            return first, np.stack(self._frames)

    @property
    def dropped(self) -> int:
        """Frames that left the window (or the source) without any snapshot holding them."""
        with self._lock:
            return self.pushed - self.covered
