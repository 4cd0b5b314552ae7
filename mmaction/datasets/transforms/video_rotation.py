"""Rotation flags of videos (portrait phone videos): helpers of the decoding transforms.

A phone stores a portrait video as landscape frames plus a display matrix
(the rotation flag) that tells players to turn them. The decoders give the
frames upright, as players show them: PyAV (and the toolkit's
:class:`~.pyav_reader.PyAVReader`) reports the flag on every decoded frame,
which is turned after decoding; OpenCV turns the frames itself
(``CAP_PROP_ORIENTATION_AUTO``). decord turns those of MP4/MOV files in some
builds, not those of Matroska/WebM, and with some frame sizes returns
garbage (decord 0.6.0 gives 4-channel frames for a 64x48 video turned a
quarter), so ``DecordInit(backend='decord')`` hands a flagged video to PyAV
(:func:`flag_turns` tells them apart). MMAction2 fed the frames as stored: a
data set with ``autorotate=False`` does too.
"""

import io
from typing import Union

import numpy as np


def quarter_turns(degrees: float) -> int:
    """Counter-clockwise quarter turns (0-3) that make a frame with this display rotation upright.

    Args:
        degrees: The display rotation as PyAV's ``VideoFrame.rotation`` reads
            it (counter-clockwise, e.g. 90, -90, -180).
    """
    return int(round(degrees / 90.0)) % 4


def turn(img: np.ndarray, turns: int) -> np.ndarray:
    """``img`` (``H x W x C``) turned ``turns`` quarter turns counter-clockwise, contiguous."""
    if turns % 4 == 0:
        return img
    return np.ascontiguousarray(np.rot90(img, turns % 4))


def flag_turns(source: Union[str, io.BytesIO]) -> int:
    """Quarter turns a video's rotation flag asks for (0 without a flag).

    Opens the video with PyAV without probing frames (a probe that decodes
    only key frames would drop the flag) and decodes its first frame, which
    carries the flag. A ``BytesIO`` source is rewound afterwards.
    """
    import av

    try:
        with av.open(source, options={'skip_frame': 'all'}) as container:
            stream = container.streams.video[0]
            stream.codec_context.skip_frame = 'DEFAULT'
            # One frame, on the calling thread: starting decoder threads costs
            # more than the decode, and this runs for every video opened.
            stream.thread_type = 'NONE'
            frames = container.decode(stream)
            try:
                frame = next(frames, None)
            finally:
                frames.close()
    except (av.error.FFmpegError, OSError, ValueError, IndexError):
        return 0  # the decoder itself will say what is wrong with the file
    finally:
        if isinstance(source, io.BytesIO):
            source.seek(0)
    return quarter_turns(getattr(frame, 'rotation', 0) or 0) if frame is not None else 0
