"""Videos with class labels drawn on them, written as ``.mp4`` or ``.gif`` (the demos).

Frames are drawn on with OpenCV and encoded with PyAV one at a time, so
writing a video holds one frame, however long the video is.
"""

import math
import os.path as osp
from typing import Any, Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmaction.utils.video_writer import VideoWriter, open_video_writer

#: Output formats: H.264 (MPEG-4 Part 2 where PyAV lacks libx264) in mp4, and GIF.
VIDEO_SUFFIXES = ('.mp4', '.gif')
#: Smaller frames are scaled up (by a whole factor) so that label text fits and reads.
MIN_SIDE = 256
_FONT = cv2.FONT_HERSHEY_DUPLEX
_MARGIN = 6


def check_video_path(path: str) -> str:
    """The lower-case suffix of an output video path; a ValueError unless mp4 or gif."""
    suffix = osp.splitext(path)[1].lower()
    if suffix not in VIDEO_SUFFIXES:
        raise ValueError(f'{path}: the output video must end with .mp4 or .gif')
    return suffix


def display_frame(frame: np.ndarray) -> np.ndarray:
    """``frame`` scaled up by a whole factor to at least :data:`MIN_SIDE`, even-sized.

    Even sides are what H.264 in YUV 4:2:0 needs.
    """
    height, width = frame.shape[:2]
    factor = max(1, math.ceil(MIN_SIDE / min(height, width)))
    size = (width * factor + (width * factor) % 2, height * factor + (height * factor) % 2)
    if size == (width, height):
        return frame
    interpolation = cv2.INTER_NEAREST if size[0] % width == 0 else cv2.INTER_LINEAR
    return cv2.resize(frame, size, interpolation=interpolation)


def draw_labels(
    frame: np.ndarray,
    lines: Sequence[str],
    font_scale: float = 0.5,
    color: Sequence[int] = (255, 255, 255),
) -> np.ndarray:
    """Write ``lines`` in the top-left corner of an RGB frame, on a dark box.

    Args:
        frame: ``H x W x 3`` uint8 RGB frame (not changed).
        lines: The text, one entry per line.
        font_scale: OpenCV font scale (0.5: about 10 pixels high).
        color: RGB text color.

    Returns:
        The frame, scaled up as :func:`display_frame` does, with the text.
    """
    out = np.ascontiguousarray(display_frame(frame)).copy()
    if not lines:
        return out
    thickness = max(1, round(font_scale * 2))
    sizes = [cv2.getTextSize(line, _FONT, font_scale, thickness) for line in lines]
    line_height = max(h + baseline for (_, h), baseline in sizes) + _MARGIN // 2
    box_w = max(w for (w, _), _ in sizes) + 2 * _MARGIN
    box_h = line_height * len(lines) + _MARGIN
    region = out[:box_h, :box_w]
    # Darken the box behind the text so that it reads on any background.
    region[...] = (region.astype(np.uint16) * 2 // 5).astype(np.uint8)
    for row, (line, ((_, h), _)) in enumerate(zip(lines, sizes)):
        origin = (_MARGIN, _MARGIN // 2 + row * line_height + h + _MARGIN // 2)
        cv2.putText(out, line, origin, _FONT, font_scale, tuple(color), thickness, cv2.LINE_AA)
    return out


class LabelledVideoWriter:
    """Write RGB frames to an ``.mp4`` or ``.gif`` file, sized by the first frame.

    :class:`mmaction.utils.video_writer.VideoWriter` does the encoding (the
    file appears under its name only once complete); this class opens it
    with the first frame's size and picks the codec for the suffix. Use it
    as a context manager.

    Args:
        path: ``.mp4`` (H.264, else MPEG-4 Part 2) or ``.gif``.
        fps: Frames per second (GIF stores hundredths of a second per frame).

    Attributes:
        frames_written (int): Frames encoded so far.
    """

    def __init__(self, path: str, fps: float) -> None:
        self.suffix = check_video_path(path)
        if fps <= 0:
            raise ValueError(f'fps must be positive, got {fps}')
        self.path = path
        self.fps = fps
        self.frames_written = 0
        self._writer: Optional[VideoWriter] = None

    def write(self, frame: np.ndarray) -> None:
        """Encode one ``H x W x 3`` uint8 RGB frame (all frames the size of the first)."""
        if self._writer is None:
            height, width = frame.shape[:2]
            self._writer = open_video_writer(self.path, width, height, self.fps)
        self._writer.write(frame)
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder and move the file into place."""
        if self._writer is None:
            raise ValueError(f'{self.path}: no frame was written')
        self._writer.close()

    def abort(self) -> None:
        """Drop the partial file."""
        if self._writer is not None:
            self._writer.abort()

    def __enter__(self) -> 'LabelledVideoWriter':
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_labelled_video(
    frames: Iterable[np.ndarray],
    path: str,
    lines: Sequence[str],
    fps: float,
    font_scale: float = 0.5,
) -> int:
    """Write ``frames`` with the same ``lines`` of text on each; return the frame count."""
    with LabelledVideoWriter(path, fps) as writer:
        for frame in frames:
            writer.write(draw_labels(frame, lines, font_scale))
    return writer.frames_written


def write_result_video(
    model,
    video: Any,
    top_k: Iterable,
    out_filename: str,
    fps: Optional[float] = None,
    font_scale: float = 0.5,
) -> Tuple[int, float]:
    """Write ``video`` with its best classes drawn on every frame (``demo/demo.py``).

    Args:
        model: A recognizer from :func:`~mmaction.apis.init_recognizer` (its
            config's test pipeline reads the video).
        video: A video file or frame folder.
        top_k: The classes to draw, as ``RecognitionResult.top_k``.
        out_filename: ``.mp4`` or ``.gif``.
        fps: Output frame rate; None keeps the video's (30 for frames).
        font_scale: Size of the label text.

    Returns:
        The frames written and their frame rate.
    """
    from .inference_pipeline import frame_stream

    stream = frame_stream(model.cfg, video, fps)
    count = write_labelled_video(stream, out_filename, label_lines(top_k), stream.fps, font_scale)
    return count, stream.fps


def label_lines(top_k: Iterable, threshold: Optional[float] = None, digits: int = 2) -> List[str]:
    """``'name: score'`` lines of :class:`~mmaction.apis.TopK` entries (index without a name).

    Entries below ``threshold`` are left out.
    """
    return [
        f'{entry.name if entry.name is not None else entry.index}: {entry.score:.{digits}f}'
        for entry in top_k
        if threshold is None or entry.score >= threshold
    ]
