"""Frames laid out as a grid of images with a title bar, for looking at what a model sees.

``tools/analysis/browse_dataset.py`` draws each sample as one row per clip
or crop, frames in time order. Everything is numpy and OpenCV: no display.
"""

import math
from typing import Sequence

import cv2
import numpy as np

_FONT = cv2.FONT_HERSHEY_DUPLEX
_FONT_SCALE = 0.5
_TEXT_HEIGHT = 22
_GAP = 2


def as_rgb_uint8(frames: np.ndarray) -> np.ndarray:
    """Frames ``(..., H, W, C)`` as RGB uint8, whatever the pipeline left them as.

    uint8 RGB passes unchanged. Other dtypes are scaled from their own range
    to 0-255 (a pipeline may hand over floats); one or two channels (grey
    frames, optical flow x/y) are shown as grey images of the first channel.
    """
    frames = np.asarray(frames)
    if frames.dtype != np.uint8:
        low, high = float(frames.min()), float(frames.max())
        scaled = (frames.astype(np.float32) - low) / (high - low) if high > low else frames * 0.0
        frames = np.clip(scaled * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if frames.shape[-1] != 3:
        frames = np.repeat(frames[..., :1], 3, axis=-1)
    return frames


def scale_up(frame: np.ndarray, min_side: int) -> np.ndarray:
    """``frame`` scaled up by a whole factor so that its shorter side reaches ``min_side``."""
    factor = max(1, math.ceil(min_side / min(frame.shape[:2])))
    if factor == 1:
        return frame
    return cv2.resize(
        frame, (frame.shape[1] * factor, frame.shape[0] * factor), interpolation=cv2.INTER_NEAREST
    )


def frame_grid(rows: Sequence[np.ndarray], min_side: int = 96) -> np.ndarray:
    """Tile frames into one image: one row per entry of ``rows``, frames left to right.

    Args:
        rows: Each ``(L, H, W, 3)`` uint8; rows may differ in length, not in
            frame size.
        min_side: Frames are scaled up by a whole factor to at least this.

    Returns:
        ``H x W x 3`` uint8 image, the tiles separated by white lines.
    """
    tiles = [[scale_up(frame, min_side) for frame in row] for row in rows]
    height, width = tiles[0][0].shape[:2]
    columns = max(len(row) for row in tiles)
    grid = np.full(
        (len(tiles) * (height + _GAP) - _GAP, columns * (width + _GAP) - _GAP, 3), 255, np.uint8
    )
    for r, row in enumerate(tiles):
        for c, tile in enumerate(row):
            top, left = r * (height + _GAP), c * (width + _GAP)
            grid[top : top + height, left : left + width] = tile
    return grid


def add_title(image: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """``image`` below a white bar with ``lines`` of black text (cut to the image width)."""
    width = image.shape[1]
    bar = np.full((_TEXT_HEIGHT * len(lines) + 6, width, 3), 255, np.uint8)
    for row, line in enumerate(lines):
        while line and cv2.getTextSize(line, _FONT, _FONT_SCALE, 1)[0][0] > width - 8:
            line = line[:-2]
        origin = (4, _TEXT_HEIGHT * (row + 1))
        cv2.putText(bar, line, origin, _FONT, _FONT_SCALE, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([bar, image], axis=0)
