"""Small videos as phones and cameras write them, for the tests of real-world videos.

``tests/conftest.py`` hands these to the tests as the ``write_video`` and
``marker_frames`` fixtures.
"""

import os.path as osp
from fractions import Fraction
from typing import Dict, Optional, Sequence

import numpy as np

#: The video codec written into each container (what phones, cameras and browsers use).
VIDEO_CODECS = {
    '.mp4': 'libx264', '.mov': 'libx264', '.mkv': 'libx264', '.webm': 'libvpx-vp9',
    '.avi': 'mpeg4',
}  # fmt: skip
#: The audio codec of each container.
AUDIO_CODECS = {'.mp4': 'aac', '.mov': 'aac', '.mkv': 'aac', '.webm': 'libopus', '.avi': 'mp2'}


def marker_frames(num_frames: int = 12, height: int = 48, width: int = 64) -> np.ndarray:
    """``(T, H, W, 3)`` frames: frame t is gray ``(20 + 10 t) % 256`` with a white top-left block.

    The gray level tells the frame's index, the block its orientation.
    """
    frames = np.empty((num_frames, height, width, 3), np.uint8)
    for t in range(num_frames):
        frames[t] = (20 + 10 * t) % 256
    frames[:, : height // 4, : width // 4] = 255
    return frames


def write_silence(container, stream, seconds: float) -> None:
    """``seconds`` of silence into an audio stream (48 kHz mono)."""
    import av

    chunk = stream.frame_size or 1024
    for start in range(0, int(48000 * seconds), chunk):
        frame = av.AudioFrame(format=stream.format.name, layout='mono', samples=chunk)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate, frame.pts = 48000, start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def write_video(
    path,
    frames: Optional[np.ndarray] = None,
    fps: float = 10.0,
    rotation: int = 0,
    audio: bool = False,
    times: Optional[Sequence[float]] = None,
    options: Optional[Dict[str, str]] = None,
) -> str:
    """Write RGB ``frames`` (default :func:`marker_frames`) with PyAV; return the path.

    Args:
        path: The file; its extension picks the codecs (:data:`VIDEO_CODECS`).
        frames: ``(T, H, W, 3)`` uint8 RGB frames.
        fps: The nominal frame rate.
        rotation: A display rotation flag (degrees counter-clockwise, as
            phones write it for portrait videos): the frames are stored as
            given, players turn them.
        audio: Add a silent audio track.
        times: The time of each frame in seconds: variable frame rate.
        options: Encoder options (e.g. ``{'preset': 'ultrafast'}``).
    """
    import av

    frames = marker_frames() if frames is None else frames
    ext = osp.splitext(str(path))[1].lower()
    with av.open(str(path), 'w') as container:
        stream = container.add_stream(VIDEO_CODECS[ext], rate=round(fps), options=options or {})
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = 'yuv420p'
        if times is not None:
            stream.codec_context.time_base = stream.time_base = Fraction(1, 1000)
        if rotation:
            stream.set_display_rotation(rotation)
        # Every stream must exist before the first packet is written.
        sound = (
            container.add_stream(AUDIO_CODECS[ext], rate=48000, layout='mono') if audio else None
        )
        for t, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format='rgb24')
            if times is not None:
                frame.pts, frame.time_base = round(times[t] * 1000), Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            write_silence(container, sound, len(frames) / fps)
    return str(path)
