"""Heat maps (Grad-CAM) drawn over frames."""

import cv2
import numpy as np


def heat_colors(heat: np.ndarray) -> np.ndarray:
    """Colours of heat values in [0, 1] (``..., H, W``): OpenCV's jet map, as RGB uint8."""
    levels = np.clip(np.asarray(heat, np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    flat = levels.reshape(-1, levels.shape[-1])
    colored = cv2.applyColorMap(flat, cv2.COLORMAP_JET)[..., ::-1]  # BGR -> RGB
    return colored.reshape(levels.shape + (3,))


def overlay_heatmap(frames: np.ndarray, heat: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Blend the heat map's colours over the frames.

    Args:
        frames: ``(..., H, W, 3)`` uint8 RGB.
        heat: ``(..., H, W)`` values in [0, 1], the same leading shape.
        alpha: Weight of the heat colours (0: frames only).

    Returns:
        ``(..., H, W, 3)`` uint8 RGB.
    """
    if heat.shape != frames.shape[:-1]:
        raise ValueError(f'heat of shape {heat.shape} does not fit frames of shape {frames.shape}')
    mixed = (1.0 - alpha) * frames.astype(np.float32) + alpha * heat_colors(heat)
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
