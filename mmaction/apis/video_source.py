"""The videos the inference API takes, and reading one frame at a time.

A video is a video file, a folder of extracted frames or the frames
themselves (``T x H x W x 3`` RGB uint8, a numpy array or a torch tensor).
:func:`describe_input` tells which and checks it; :class:`FrameStream`
decodes a video in order without holding more than one frame.
"""

import os
import os.path as osp
import re
import string
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Union

import numpy as np

from mmaction.datasets import BrokenVideoError, RawFrameDecode
from mmaction.datasets.transforms.pyav_reader import PyAVReader
from mmaction.utils.errors import ConfigError

VIDEO = 'video'
RAWFRAMES = 'rawframes'
ARRAY = 'array'

#: What the inference API takes, for the messages about what it got instead.
NEEDS = 'a video file (.mp4, .avi, .mkv, .webm, ...) or a folder of its frames'


@dataclass
class VideoInput:
    """One video given to the inference API.

    Attributes:
        kind: ``'video'`` (a file), ``'rawframes'`` (a frame folder) or
            ``'array'`` (frames in memory).
        name: The path, or ``<frames array #i>``: names the video in results
            and errors.
        value: The path, or the ``T x H x W x 3`` uint8 array.
    """

    kind: str
    name: str
    value: Union[str, np.ndarray]


def describe_input(video: Any, position: int = 0) -> VideoInput:
    """Tell what kind of video ``video`` is and check it.

    Args:
        video: A video file, a frame folder (str or PathLike), or RGB uint8
            frames ``(T, H, W, 3)`` as a numpy array or torch tensor.
        position: Its place in a list of videos, to name an array in errors.

    Returns:
        VideoInput: The kind, a name and the value (tensors become arrays).

    Raises:
        BrokenVideoError: No such file or folder, or frames of another shape
            or dtype.
        TypeError: Neither a path nor an array.
    """
    if isinstance(video, (str, os.PathLike)):
        path = os.fspath(video)
        if osp.isdir(path):
            return VideoInput(RAWFRAMES, path, path)
        if osp.isfile(path):
            return VideoInput(VIDEO, path, path)
        raise BrokenVideoError(path, 'no such video file or frame folder')
    if hasattr(video, 'detach') and hasattr(video, 'cpu'):  # a torch tensor
        video = video.detach().cpu().numpy()
    if isinstance(video, np.ndarray):
        name = f'<frames array #{position}>'
        if video.ndim != 4 or video.shape[-1] != 3 or video.dtype != np.uint8 or not video.size:
            raise BrokenVideoError(
                name, f'got {video.dtype} frames of shape {video.shape}; expected RGB uint8 '
                'frames of shape (T, H, W, 3)'
            )  # fmt: skip
        return VideoInput(ARRAY, name, np.ascontiguousarray(video))
    raise TypeError(
        f'video #{position}: expected a video file, a frame folder or (T, H, W, 3) uint8 '
        f'frames, got {type(video).__name__}'
    )


def _still_image_format(container: Any) -> Optional[str]:
    """The codec name when PyAV opened a still image (``image2`` or ``*_pipe``), else None."""
    name = container.format.name
    if name == 'image2' or name.endswith('_pipe'):
        codec = container.streams.video[0].codec_context.name if container.streams.video else name
        return {'mjpeg': 'JPEG'}.get(codec, codec.upper())
    return None


def check_video_file(path: str) -> None:
    """Refuse a file that is no video before it is decoded: empty, an image, audio only.

    Decoders read an image as a one-frame video and score it; this says what
    the file is instead. Opening the container reads its header only.

    Raises:
        BrokenVideoError: Names the file, what it is and what is needed.
    """
    import av

    if os.path.getsize(path) == 0:
        raise BrokenVideoError(path, f'the file is empty (0 bytes); expected {NEEDS}')
    try:
        container = av.open(path)
    except (av.error.FFmpegError, OSError, ValueError) as error:
        raise BrokenVideoError(
            path, f'not a video PyAV can open ({error.__class__.__name__}); expected {NEEDS}'
        ) from error
    try:
        image = _still_image_format(container)
        if image is not None:
            raise BrokenVideoError(path, f'an image ({image}), not a video; expected {NEEDS}')
        if not container.streams.video:
            kinds = sorted({stream.type for stream in container.streams}) or ['no']
            raise BrokenVideoError(
                path, f'no video stream ({" and ".join(kinds)} streams only); expected {NEEDS}'
            )
    finally:
        container.close()


def _frame_number_regex(filename_tmpl: str) -> 're.Pattern[str]':
    parts = list(string.Formatter().parse(filename_tmpl))
    if sum(field is not None for _, field, _, _ in parts) != 1:
        raise ConfigError(
            f'filename_tmpl {filename_tmpl!r} must have exactly one {{}} field, for the frame '
            'number (RGB frames)'
        )
    return re.compile(
        ''.join(
            re.escape(text) + (r'(\d+)' if field is not None else '') for text, field, _, _ in parts
        )
    )


def count_frames(directory: str, filename_tmpl: str, start_index: int) -> int:
    """Number of frames in a frame folder, numbered from ``start_index`` without gaps.

    Args:
        directory: The folder.
        filename_tmpl: Name of frame ``i``: ``filename_tmpl.format(i)``.
        start_index: Number of the first frame.

    Raises:
        BrokenVideoError: No frame named by the template, or gaps.
    """
    regex = _frame_number_regex(filename_tmpl)
    numbers = set()
    for name in os.listdir(directory):
        match = regex.fullmatch(name)
        if match:
            numbers.add(int(match.group(1)))
    first = filename_tmpl.format(start_index)
    if not numbers:
        others = sorted(os.listdir(directory))
        found = f'it holds {len(others)} other files, e.g. {others[0]}' if others else 'it is empty'
        raise BrokenVideoError(
            directory, f'no frame files named like {first} (the config\'s filename_tmpl): '
            f'{found}; expected frames {first}, {filename_tmpl.format(start_index + 1)}, ...'
        )  # fmt: skip
    total = len(numbers)
    if min(numbers) != start_index or max(numbers) != start_index + total - 1:
        raise BrokenVideoError(
            directory, f'expected frames {first} to {filename_tmpl.format(start_index + total - 1)}'
            f' without gaps; found {total} frames numbered {min(numbers)} to {max(numbers)}'
        )  # fmt: skip
    return total


class FrameStream:
    """The frames of a video, decoded in order, one at a time.

    Memory does not grow with the length of the video: each iteration step
    decodes one frame (PyAV for files, the ``RawFrameDecode`` reader for
    frame folders).

    Args:
        source: A video as :func:`describe_input` accepts it, or its result.
        filename_tmpl: Frame names of a frame folder.
        start_index: Number of a frame folder's first frame.
        fps: Frame rate; by default the video file's, else 30.

    Attributes:
        fps (float): Frames per second.
        num_frames (int): Frames in the video (for files: as the container
            says, which may be off by a frame or two).
        name (str): The path or array name.
    """

    def __init__(
        self,
        source: Any,
        filename_tmpl: str = 'img_{:05}.jpg',
        start_index: int = 1,
        fps: Optional[float] = None,
    ) -> None:
        self.source = source if isinstance(source, VideoInput) else describe_input(source)
        self.name = self.source.name
        self.filename_tmpl = filename_tmpl
        self.start_index = start_index
        file_fps = None
        if self.source.kind == VIDEO:
            check_video_file(self.source.value)
            reader = PyAVReader(self.source.value, self.name)
            self.num_frames = reader.total_frames
            rate = reader.container.streams.video[0].average_rate
            file_fps = float(rate) if rate else None
            reader.close()
        elif self.source.kind == RAWFRAMES:
            self.num_frames = count_frames(self.source.value, filename_tmpl, start_index)
        else:
            self.num_frames = len(self.source.value)
        self.fps = float(fps or file_fps or 30.0)

    def __iter__(self) -> Iterator[np.ndarray]:
        if self.source.kind == ARRAY:
            yield from self.source.value
        elif self.source.kind == RAWFRAMES:
            yield from self._read_folder()
        else:
            yield from self._decode_file()

    def _read_folder(self) -> Iterator[np.ndarray]:
        reader = RawFrameDecode()
        for index in range(self.start_index, self.start_index + self.num_frames):
            results = dict(
                frame_dir=self.source.value, filename_tmpl=self.filename_tmpl,
                frame_inds=np.array([index]), modality='RGB',
            )  # fmt: skip
            yield reader(results)['imgs'][0]

    def _decode_file(self) -> Iterator[np.ndarray]:
        import av

        try:
            container = av.open(self.source.value)
        except (av.error.FFmpegError, OSError, ValueError) as error:
            raise BrokenVideoError(self.name, f'PyAV cannot open it: {error}') from error
        try:
            for frame in container.decode(video=0):
                yield frame.to_ndarray(format='rgb24')
        except (av.error.FFmpegError, OSError, ValueError, EOFError) as error:
            raise BrokenVideoError(self.name, f'PyAV cannot decode it: {error}') from error
        finally:
            container.close()
