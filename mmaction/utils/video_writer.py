"""Write videos with PyAV (libx264 by default), atomically."""

import os
import os.path as osp
from fractions import Fraction
from typing import Dict, Optional, Union

import numpy as np


def partial_path(path: str) -> str:
    """The hidden name a video is written under until it is complete."""
    folder, name = osp.split(path)
    root, ext = osp.splitext(name)
    return osp.join(folder, f'.{root}.partial{ext}')


class VideoWriter:
    """Encode frames into a video file; the file appears only once complete.

    Frames go to a hidden temporary file next to ``path`` that is renamed to
    ``path`` by :meth:`close` (or leaving a ``with`` block normally); after an
    error it is deleted, so an interrupted run never leaves a half-written
    video under the real name.

    Args:
        path (str): Output file; its extension chooses the container.
        width (int): Frame width (even for yuv420p).
        height (int): Frame height (even for yuv420p).
        rate (int | Fraction): Frame rate.
        codec (str): FFmpeg encoder. Defaults to ``'libx264'``.
        keyint (int, optional): Key-frame interval (GOP size); None keeps the
            encoder's default (250 for libx264). Defaults to None.
        time_base (Fraction, optional): Time base of the frame timestamps;
            None numbers frames ``0, 1, 2, ...`` at ``1 / rate``.
            Defaults to None.
        options (dict, optional): Further encoder options (``crf``,
            ``preset``, ``bf``, ...). Defaults to None.
        faststart (bool): Put the mp4 index first (so a file cut short still
            opens). Defaults to False.
        pix_fmt (str): Pixel format of the stream (``'rgb8'`` for GIF).
            Defaults to ``'yuv420p'``.
    """

    def __init__(
        self,
        path: str,
        width: int,
        height: int,
        rate: Union[int, Fraction],
        codec: str = 'libx264',
        keyint: Optional[int] = None,
        time_base: Optional[Fraction] = None,
        options: Optional[Dict[str, str]] = None,
        faststart: bool = False,
        pix_fmt: str = 'yuv420p',
    ) -> None:
        import av

        self.path = path
        self.tmp_path = partial_path(path)
        options = dict(options or {})
        if keyint is not None:
            if keyint < 1:
                raise ValueError(f'keyint must be >= 1, got {keyint}')
            options['g'] = str(keyint)
        folder = osp.dirname(osp.abspath(path))
        os.makedirs(folder, exist_ok=True)
        container_options = {'movflags': 'faststart'} if faststart else {}
        self.container = av.open(self.tmp_path, 'w', container_options=container_options)
        self.stream = self.container.add_stream(codec, rate=rate, options=options)
        self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, pix_fmt
        if time_base is not None:
            self.stream.codec_context.time_base = time_base
        self.time_base = time_base
        self.count = 0

    def write(self, frame, pts: Optional[int] = None) -> None:
        """Encode one frame.

        Args:
            frame (np.ndarray | av.VideoFrame): ``H x W x 3`` uint8 RGB, or a
                frame of the output size in any pixel format.
            pts (int, optional): Timestamp in ``time_base`` units (only with
                a ``time_base``). Defaults to the frame's index.
        """
        import av

        if isinstance(frame, np.ndarray):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format='rgb24')
        if self.time_base is not None:
            frame.time_base = self.time_base
            frame.pts = self.count if pts is None else pts
        else:
            frame.pts = None
        self.container.mux(self.stream.encode(frame))
        self.count += 1

    def close(self) -> None:
        """Flush the encoder and move the file to its real name."""
        self.container.mux(self.stream.encode())
        self.container.close()
        os.replace(self.tmp_path, self.path)

    def abort(self) -> None:
        """Close and delete the temporary file."""
        try:
            self.container.close()
        finally:
            if osp.exists(self.tmp_path):
                os.remove(self.tmp_path)

    def __enter__(self) -> 'VideoWriter':
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def open_video_writer(path: str, width: int, height: int, fps: float) -> VideoWriter:
    """A :class:`VideoWriter` whose codec follows the suffix of ``path``.

    ``.gif``: the GIF encoder (``rgb8`` palette); anything else (``.mp4``):
    H.264 where PyAV has libx264, else MPEG-4 Part 2, in ``yuv420p`` (even
    sides needed).
    """
    import av

    if osp.splitext(path)[1].lower() == '.gif':
        codec, pix_fmt = 'gif', 'rgb8'
    else:
        codec = 'libx264' if 'libx264' in av.codecs_available else 'mpeg4'
        pix_fmt = 'yuv420p'
    rate = Fraction(fps).limit_denominator(1001)
    return VideoWriter(path, width, height, rate, codec=codec, pix_fmt=pix_fmt)
