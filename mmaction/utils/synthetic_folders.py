"""The synthetic motion videos arranged as users keep their own: one folder per class.

``OUT/<class name>/<class name>_<nnnn>.mp4``, nothing else: the input of
``tools/data/folders_to_lists.py`` (``generate.py --layout folders``). The
videos are drawn as :mod:`.synthetic_data` draws them, from a random stream of
their own, so none of them is a video of the Kinetics-style layout (which the
quickstart trains on).
"""

import os
import os.path as osp
from typing import Dict, Optional, Tuple

import numpy as np

from .synthetic_data import CLASS_NAMES, map_tasks, render_video, write_video

#: The random stream of the folder layout (the Kinetics-style splits use 0 and 1).
FOLDERS_STREAM = 2


def _make_video(task: Tuple[str, int, int, int, int, float, int, bool]) -> bool:
    """Render and write one video; False when it exists already."""
    out_dir, index, frames, height, width, fps, seed, force = task
    label = index % len(CLASS_NAMES)
    name = CLASS_NAMES[label]
    path = osp.join(out_dir, name, f'{name}_{index // len(CLASS_NAMES):04d}.mp4')
    if osp.exists(path) and not force:
        return False
    rng = np.random.default_rng([seed, FOLDERS_STREAM, index])
    write_video(path, render_video(label, frames, height, width, rng), fps)
    return True


def generate_class_folders(
    out_dir: str,
    num_per_class: int,
    width: int = 64,
    height: int = 64,
    frames: int = 32,
    fps: float = 16.0,
    seed: int = 0,
    workers: Optional[int] = None,
    force: bool = False,
) -> Dict[str, int]:
    """Write ``num_per_class`` synthetic videos into each class folder under ``out_dir``.

    Args:
        out_dir: The root; one sub-folder per class is made.
        num_per_class: Videos per class.
        width: Frame width in pixels.
        height: Frame height in pixels.
        frames: Frames per video.
        fps: Frame rate written into the videos.
        seed: Seed; the same seed and settings give the same videos.
        workers: Worker processes; default ``min(2, cpus)``.
        force: Rewrite videos that exist already.

    Returns:
        ``{'videos': n, 'generated': n, 'skipped': n}``.
    """
    if num_per_class < 1:
        raise ValueError(f'need at least one video per class, got {num_per_class}')
    for name in CLASS_NAMES:
        os.makedirs(osp.join(out_dir, name), exist_ok=True)
    tasks = [
        (out_dir, index, frames, height, width, fps, seed, force)
        for index in range(num_per_class * len(CLASS_NAMES))
    ]
    done = map_tasks(_make_video, tasks, workers)
    return dict(videos=len(tasks), generated=sum(done), skipped=len(done) - sum(done))
