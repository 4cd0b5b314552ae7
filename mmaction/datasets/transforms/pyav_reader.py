"""Exact frame access to a video with PyAV, decoding only what the frames need.

:class:`PyAVReader` is what ``PyAVInit``/``PyAVDecode`` and (by default)
``DecordInit``/``DecordDecode`` open and decode videos with. Opening reads
the video stream's packets once (no frame is decoded: the format probe skips
non-key frames), which gives the exact frame count, every frame's number (its
rank among the presentation timestamps, as a full decode numbers them) and
the key frames. Decoding the sampled frames then

* starts at the last key frame before a frame, and goes on from where the
  decoder is when no key frame lies in between, so each packet is decoded at
  most once per call;
* asks FFmpeg to skip non-reference frames that are not sampled (no later
  frame depends on them, so the kept frames are unchanged);
* converts only the kept frames to RGB, with libswscale as decord does, so
  the frames equal a full sequential decode bit for bit;
* decodes with several threads when the data loader has fewer workers than
  the process has cores;
* turns the frames of a video with a rotation flag upright (as players, and
  OpenCV, show them), unless asked to keep them as stored.

Streams whose timestamps do not number the frames (missing or repeated
timestamps, or a decoder that returns other timestamps) are decoded from the
start, counting frames, without skipping.
"""

import threading
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..exceptions import BrokenVideoError
from .video_rotation import quarter_turns, turn

# A container's header may count a frame or two more than its packets; more
# missing than that means the file was cut short.
MAX_MISSING_TAIL = 2
# Probe the format without decoding frames: the decoder is set up from the
# stream parameters anyway, and probing is otherwise most of the opening time.
# 'all', not 'nonkey': with FFmpeg 8 a 'nonkey' probe drops the display matrix
# (rotation flag) from the frames decoded later.
_PROBE_OPTIONS = {'skip_frame': 'all'}


_LOCAL = threading.local()


def to_rgb(frame) -> np.ndarray:
    """A decoded frame as an ``H x W x 3`` uint8 RGB array (libswscale, one thread).

    The converter is kept per thread: building it for every frame, as
    ``frame.to_ndarray`` does, costs more than the conversion itself.
    """
    reformatter = getattr(_LOCAL, 'reformatter', None)
    if reformatter is None:
        from av.video.reformatter import VideoReformatter

        reformatter = _LOCAL.reformatter = VideoReformatter()
    return reformatter.reformat(frame, format='rgb24', threads=1).to_ndarray()


class _NotNumbered(Exception):
    """The decoder's timestamps do not match the packet index."""


def _av_errors() -> tuple:
    import av

    return (av.error.FFmpegError, OSError, ValueError, EOFError)


def _number_frames(pts: Sequence[Optional[int]], shown: np.ndarray) -> Optional[np.ndarray]:
    """Frame number of each shown packet (rank of its timestamp), -1 for the others.

    Returns None when the timestamps cannot number the frames (a shown packet
    without a timestamp, or two with the same one).
    """
    shown_pts = [p for p, keep in zip(pts, shown) if keep]
    if any(p is None for p in shown_pts) or len(set(shown_pts)) != len(shown_pts):
        return None
    order = np.argsort(np.asarray(shown_pts, dtype=np.int64), kind='stable')
    ranks = np.empty(len(shown_pts), dtype=np.int64)
    ranks[order] = np.arange(len(shown_pts))
    numbers = np.full(len(pts), -1, dtype=np.int64)
    numbers[shown] = ranks
    return numbers


class PyAVReader:
    """An open video stream, its packets and its frames' numbers.

    The packets stay in memory until :meth:`read` or :meth:`close` (about
    the size of the video stream; decord and MMAction2 hold the file too).

    Args:
        source (str | BytesIO): The file path or bytes to open.
        filename (str): The file's name, for error messages.
        num_threads (int): Decoder threads (1: none, 0: FFmpeg chooses).
            Defaults to 1.
        autorotate (bool): Turn the frames as the video's display matrix
            (rotation flag) says. Defaults to True.

    Attributes:
        total_frames (int): Frames a full decode gives.
        avg_fps (float | None): The stream's average frame rate (None when
            the container does not give one).
        num_threads (int): Decoder threads; may be changed before :meth:`read`.

    Raises:
        BrokenVideoError: the file cannot be opened or read, has no video
            stream or frames, or holds fewer packets than its header lists.
    """

    def __init__(
        self, source, filename: str, num_threads: int = 1, autorotate: bool = True
    ) -> None:
        import av

        self.filename = filename
        self.autorotate = autorotate
        try:
            self.container = av.open(source, options=_PROBE_OPTIONS)
        except _av_errors() as error:
            raise BrokenVideoError(filename, f'PyAV cannot open it: {error}') from error
        try:
            self._index(num_threads)
        except BaseException:
            self.close()
            raise

    def _index(self, num_threads: int) -> None:
        if not self.container.streams.video:
            raise BrokenVideoError(self.filename, 'no video stream')
        stream = self.container.streams.video[0]
        try:
            self.packets = [packet for packet in self.container.demux(stream) if packet.size]
        except _av_errors() as error:
            raise BrokenVideoError(self.filename, f'PyAV cannot read it: {error}') from error
        expected = stream.frames
        if expected > len(self.packets) + MAX_MISSING_TAIL:
            raise BrokenVideoError(
                self.filename,
                f'truncated: the header lists {expected} frames, the file holds '
                f'{len(self.packets)}',
            )
        # Packets flagged "discard" (before an edit list's start) are decoded
        # as references but give no frame.
        shown = np.array([not packet.is_discard for packet in self.packets], dtype=bool)
        self.total_frames = int(shown.sum())
        if self.total_frames == 0:
            raise BrokenVideoError(self.filename, 'no video frames')
        self.frame_numbers = _number_frames([packet.pts for packet in self.packets], shown)
        if self.frame_numbers is not None:
            self.packet_of_frame = np.empty(self.total_frames, dtype=np.int64)
            self.packet_of_frame[self.frame_numbers[shown]] = np.flatnonzero(shown)
            self.frame_of_pts = {
                packet.pts: int(number)
                for packet, number in zip(self.packets, self.frame_numbers)
                if number >= 0
            }
            self.keyframes = np.flatnonzero([packet.is_keyframe for packet in self.packets])
        self.codec = stream.codec_context
        self.num_threads = num_threads
        # The stream's average frame rate, as decord's get_avg_fps() reads it.
        rate = stream.average_rate
        self.avg_fps = float(rate) if rate else None

    def _configure_decoder(self) -> None:
        # Threads must be set before the codec opens, on its first packet.
        # An explicit 1 also stops FFmpeg from starting a slice-thread pool
        # for every video; 0 lets FFmpeg choose.
        if self.num_threads != 1:
            self.codec.thread_type = 'FRAME'
        self.codec.thread_count = self.num_threads

    def close(self) -> None:
        """Close the container and drop the packets."""
        self.packets = []
        self.container.close()

    def _start_packet(self, number: int) -> int:
        """Decode-order position of the key frame to start decoding frame ``number`` at.

        The last key frame at or before the frame's packet that is not shown
        after the frame (an open GOP's leading frames need the key frame
        before).
        """
        position = int(self.packet_of_frame[number])
        candidates = self.keyframes[self.keyframes <= position]
        candidates = candidates[self.frame_numbers[candidates] <= number]
        return int(candidates[-1]) if len(candidates) else 0

    def _rgb(self, frame) -> np.ndarray:
        """The frame as RGB, upright when ``autorotate`` (the flag travels on every frame)."""
        img = to_rgb(frame)
        if self.autorotate:
            img = turn(img, quarter_turns(getattr(frame, 'rotation', 0) or 0))
        return img

    def _feed(self, position: Optional[int], skip: bool) -> list:
        """Decode the packet at ``position`` (None: drain the decoder)."""
        wanted = 'NONREF' if skip else 'DEFAULT'
        if self.codec.skip_frame != wanted:
            self.codec.skip_frame = wanted
        return self.codec.decode(None if position is None else self.packets[position])

    def _decode_numbered(self, wanted: np.ndarray) -> Dict[int, np.ndarray]:
        """Decode ``wanted`` (sorted, unique) by timestamp, skipping what is not needed."""
        wanted_set = set(wanted.tolist())
        keep = np.zeros(len(self.packets), dtype=bool)
        keep[self.packet_of_frame[wanted]] = True
        # Once the last wanted packet is in, draining the decoder returns the
        # frames it holds back for reordering without decoding any further.
        last_wanted = int(self.packet_of_frame[wanted].max())
        found: Dict[int, np.ndarray] = {}
        position: Optional[int] = None
        drained = False
        for number in wanted.tolist():
            start = self._start_packet(number)
            if position is None or start > position:
                # A key frame lies ahead: jump to it rather than decode up to it.
                if position is not None:
                    self.codec.flush_buffers()
                position, drained = start, False
            while number not in found:
                if position <= last_wanted:
                    frames = self._feed(position, skip=not keep[position])
                    position += 1
                elif not drained:
                    frames, drained = self._feed(None, skip=False), True
                else:
                    raise BrokenVideoError(
                        self.filename, f'frame {number} of {self.total_frames} could not be decoded'
                    )
                for frame in frames:
                    shown = self.frame_of_pts.get(frame.pts)
                    if shown is None:
                        raise _NotNumbered
                    if shown in wanted_set and shown not in found:
                        found[shown] = self._rgb(frame)
        return found

    def _decode_sequential(self, wanted: np.ndarray) -> Dict[int, np.ndarray]:
        """Decode from the first packet, numbering frames in output order."""
        self.codec.flush_buffers()
        wanted_set = set(wanted.tolist())
        last = int(wanted[-1])
        found: Dict[int, np.ndarray] = {}
        number = -1
        for position in [*range(len(self.packets)), None]:
            for frame in self._feed(position, skip=False):
                number += 1
                if number in wanted_set:
                    found[number] = self._rgb(frame)
                if number >= last:
                    return found
        raise BrokenVideoError(
            self.filename,
            f'frame {last} of {self.total_frames} requested, the stream ends at frame {number}',
        )

    def _decode_keyframes(self, wanted: np.ndarray) -> Dict[int, np.ndarray]:
        """For each wanted frame, the key frame it would be decoded from (inexact)."""
        found: Dict[int, np.ndarray] = {}
        by_start: Dict[int, np.ndarray] = {}
        for number in wanted.tolist():
            start = self._start_packet(number)
            if start not in by_start:
                self.codec.flush_buffers()
                frames = list(self._feed(start, skip=False)) + list(self._feed(None, skip=False))
                if not frames:
                    raise BrokenVideoError(self.filename, f'key frame {start} cannot be decoded')
                by_start[start] = self._rgb(frames[0])
            found[number] = by_start[start]
        return found

    def read(self, wanted: np.ndarray, mode: str = 'accurate') -> List[np.ndarray]:
        """Decode the frames ``wanted`` (sorted, unique, in range) and close the video.

        Args:
            wanted (np.ndarray): Sorted unique 0-based frame numbers.
            mode (str): ``'accurate'`` (the exact frames) or ``'efficient'``
                (for each frame the key frame it is decoded from; the exact
                frames where timestamps do not number the frames).

        Returns:
            list[np.ndarray]: ``H x W x 3`` uint8 RGB frames, one per number.

        Raises:
            BrokenVideoError: a wanted frame cannot be decoded.
        """
        self._configure_decoder()
        try:
            if self.frame_numbers is None:
                found = self._decode_sequential(wanted)
            else:
                try:
                    if mode == 'efficient':
                        found = self._decode_keyframes(wanted)
                    else:
                        found = self._decode_numbered(wanted)
                except _NotNumbered:
                    found = self._decode_sequential(wanted)
        except _av_errors() as error:
            raise BrokenVideoError(self.filename, f'PyAV cannot decode it: {error}') from error
        finally:
            self.close()
        return [found[number] for number in wanted.tolist()]
