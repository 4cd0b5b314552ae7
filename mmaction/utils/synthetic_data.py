"""A small synthetic action-recognition data set whose classes differ only in motion.

Every video shows a textured square that travels across a textured background
in one of four directions at one of two speeds (8 classes). The square moves on
a torus (it leaves one edge and re-enters at the opposite one) and starts at a
uniformly random position, so at every time step its position is uniform over
the frame whatever the class: a single frame, or a model that ignores time,
carries no class information. Only the displacement between frames (direction
and visual tempo) tells the classes apart.

The data set is written twice over the same frames:

* Kinetics style: ``OUT/videos/{train,val}/<name>.mp4`` and
  ``OUT/rawframes/{train,val}/<name>/img_00001.jpg ...`` with the lists
  ``OUT/synthetic_{split}_list_videos.txt`` (``train/<name>.mp4 <label>``) and
  ``OUT/synthetic_{split}_list_rawframes.txt``
  (``train/<name> <total_frames> <label>``).
* Something-Something V1 style: ``OUT/sth/rawframes/<id>/00001.jpg ...``
  (hard links to the Kinetics-style frames where the file system allows)
  with ``OUT/sth/synthetic_{split}_list_rawframes.txt``
  (``<id> <total_frames> <label>``) and the official-format csv files under
  ``OUT/sth/annotations/``.

``OUT/label_map.txt`` holds one class name per line (line index = label).
"""

import json
import os
import os.path as osp
import shutil
from multiprocessing import Pool
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

# (name, (dy, dx)) unit steps; image rows grow downwards.
DIRECTIONS: Tuple[Tuple[str, Tuple[int, int]], ...] = (
    ('left', (0, -1)),
    ('right', (0, 1)),
    ('up', (-1, 0)),
    ('down', (1, 0)),
)
# (name, pixels per frame on a 64-pixel axis); scaled with the frame size.
SPEEDS: Tuple[Tuple[str, float], ...] = (('slow', 1.0), ('fast', 3.0))
_SPEED_WORDS = {'slow': 'slowly', 'fast': 'quickly'}

CLASS_NAMES: Tuple[str, ...] = tuple(f'move_{d}_{s}' for d, _ in DIRECTIONS for s, _ in SPEEDS)
# Something-Something-style label texts, same order as CLASS_NAMES.
CLASS_TEXTS: Tuple[str, ...] = tuple(
    f'Moving something {d} {_SPEED_WORDS[s]}' for d, _ in DIRECTIONS for s, _ in SPEEDS
)

SPLITS: Tuple[str, ...] = ('train', 'val')
RAWFRAME_TMPL = 'img_{:05d}.jpg'
STH_TMPL = '{:05d}.jpg'
# Something-Something-style ids: train videos count from 1, val from here, so
# ids stay stable when the number of videos per class changes.
STH_VAL_ID_BASE = 1_000_001
_META_FILE = 'synthetic_meta.json'
_META_VERSION = 1


def class_motion(label: int, height: int, width: int) -> Tuple[float, float]:
    """Return the per-frame displacement ``(dy, dx)`` in pixels of a class.

    Args:
        label (int): Class index into :data:`CLASS_NAMES`.
        height (int): Frame height; vertical speeds scale with it.
        width (int): Frame width; horizontal speeds scale with it.

    Returns:
        tuple[float, float]: Rows and columns moved per frame.
    """
    if not 0 <= label < len(CLASS_NAMES):
        raise ValueError(f'label must be in [0, {len(CLASS_NAMES)}), got {label}')
    (_, (dy, dx)), (_, speed) = DIRECTIONS[label // len(SPEEDS)], SPEEDS[label % len(SPEEDS)]
    return dy * speed * height / 64.0, dx * speed * width / 64.0


def _smooth_texture(rng: np.random.Generator, height: int, width: int, low: float, high: float):
    import cv2

    coarse = rng.uniform(low, high, size=(max(2, height // 8), max(2, width // 8), 3))
    return cv2.resize(coarse.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)


def _patch(rng: np.random.Generator, size: int) -> np.ndarray:
    """A high-contrast patch with structure at several scales (blocks + pixel noise)."""
    cells = max(2, size // 4)
    coarse = rng.integers(0, 256, size=(cells, cells, 3)).astype(np.float32)
    reps = -(-size // cells)
    patch = np.kron(coarse, np.ones((reps, reps, 1), np.float32))[:size, :size]
    patch += rng.normal(0.0, 30.0, size=patch.shape)
    # A dark rim keeps the outline visible on any background.
    patch[0, :] = patch[-1, :] = patch[:, 0] = patch[:, -1] = 10.0
    return patch


def render_video(
    label: int,
    num_frames: int,
    height: int,
    width: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Render one synthetic video of the given class.

    Args:
        label (int): Class index into :data:`CLASS_NAMES`.
        num_frames (int): Number of frames.
        height (int): Frame height in pixels (at least 8).
        width (int): Frame width in pixels (at least 8).
        rng (np.random.Generator): Source of all randomness (start position,
            textures, noise), so equal generators give equal videos.

    Returns:
        np.ndarray: ``(num_frames, height, width, 3)`` uint8 RGB frames.
    """
    if height < 8 or width < 8 or num_frames < 1:
        raise ValueError(
            f'need height, width >= 8 and num_frames >= 1, got {height}x{width}x{num_frames}'
        )
    dy, dx = class_motion(label, height, width)
    size = max(4, min(height, width) // 4)

    background = _smooth_texture(rng, height, width, 50.0, 200.0)
    background += rng.normal(0.0, 8.0, size=background.shape)
    # A static look-alike of the mover so that "where is a patch" says nothing.
    dist_y, dist_x = rng.integers(0, height - size + 1), rng.integers(0, width - size + 1)
    background[dist_y : dist_y + size, dist_x : dist_x + size] = _patch(rng, size)
    background += rng.uniform(-20.0, 20.0)

    layer = np.zeros((height, width, 3), np.float32)
    mask = np.zeros((height, width, 1), np.float32)
    layer[:size, :size] = _patch(rng, size)
    mask[:size, :size] = 1.0

    y0, x0 = rng.uniform(0, height), rng.uniform(0, width)
    frames = np.empty((num_frames, height, width, 3), np.uint8)
    for t in range(num_frames):
        shift = (int(round(y0 + dy * t)) % height, int(round(x0 + dx * t)) % width)
        obj = np.roll(layer, shift, axis=(0, 1))
        obj_mask = np.roll(mask, shift, axis=(0, 1))
        frame = background * (1.0 - obj_mask) + obj * obj_mask
        frame += rng.normal(0.0, 3.0, size=frame.shape)
        frames[t] = np.clip(frame, 0, 255).astype(np.uint8)
    return frames


def write_video(path: str, frames: np.ndarray, fps: float) -> None:
    """Write RGB frames as an MPEG-4 Part 2 ('mp4v') video, atomically.

    Args:
        path (str): Output ``.mp4`` path; written to a temporary name first so
            that an interrupted run never leaves a half-written file behind.
        frames (np.ndarray): ``(T, H, W, 3)`` uint8 RGB frames.
        fps (float): Frame rate stored in the container.
    """
    import cv2

    tmp_path = path + '.tmp.mp4'
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(tmp_path, cv2.VideoWriter_fourcc(*'mp4v'), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f'OpenCV cannot open a mp4v video writer for {tmp_path}')
    try:
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    os.replace(tmp_path, path)


def _link_or_copy(src: str, dst: str) -> None:
    if osp.lexists(dst):
        os.remove(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def video_name(index: int) -> str:
    """Name (without extension) of the ``index``-th video of a split.

    Names repeat across splits; the split folder tells them apart.
    """
    return f'{CLASS_NAMES[index % len(CLASS_NAMES)]}_{index // len(CLASS_NAMES):04d}'


def sth_id(split: str, index: int) -> int:
    """Numeric Something-Something-style id of the ``index``-th video of a split."""
    return index + (1 if split == 'train' else STH_VAL_ID_BASE)


def _video_paths(out_dir: str, split: str, index: int, num_frames: int) -> Dict[str, str]:
    name = video_name(index)
    return dict(
        video=osp.join(out_dir, 'videos', split, name + '.mp4'),
        frames=osp.join(out_dir, 'rawframes', split, name),
        sth=osp.join(out_dir, 'sth', 'rawframes', str(sth_id(split, index))),
        last_frame=osp.join(out_dir, 'rawframes', split, name, RAWFRAME_TMPL.format(num_frames)),
        last_sth=osp.join(
            out_dir, 'sth', 'rawframes', str(sth_id(split, index)), STH_TMPL.format(num_frames)
        ),
    )


def _make_one(task: Tuple[str, str, int, int, int, int, float, int, bool]) -> bool:
    """Render and write one video; return False when it was already complete."""
    import cv2

    out_dir, split, index, num_frames, height, width, fps, seed, force = task
    paths = _video_paths(out_dir, split, index, num_frames)
    # The mp4 is written last, so its presence marks a finished video.
    if not force and all(osp.exists(paths[k]) for k in ('video', 'last_frame', 'last_sth')):
        return False
    rng = np.random.default_rng([seed, SPLITS.index(split), index])
    frames = render_video(index % len(CLASS_NAMES), num_frames, height, width, rng)
    for key in ('frames', 'sth'):
        if osp.isdir(paths[key]):
            shutil.rmtree(paths[key])
        os.makedirs(paths[key])
    for t, frame in enumerate(frames, start=1):
        frame_path = osp.join(paths['frames'], RAWFRAME_TMPL.format(t))
        if not cv2.imwrite(frame_path, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
            raise OSError(f'cannot write frame {frame_path}')
        _link_or_copy(frame_path, osp.join(paths['sth'], STH_TMPL.format(t)))
    write_video(paths['video'], frames, fps)
    return True


def _write_lines(path: str, lines: Sequence[str]) -> None:
    with open(path, 'w') as f:
        f.writelines(line + '\n' for line in lines)


def _write_annotations(out_dir: str, counts: Dict[str, int], num_frames: int) -> None:
    _write_lines(osp.join(out_dir, 'label_map.txt'), CLASS_NAMES)
    ann_dir = osp.join(out_dir, 'sth', 'annotations')
    os.makedirs(ann_dir, exist_ok=True)
    _write_lines(osp.join(ann_dir, 'something-something-v1-labels.csv'), CLASS_TEXTS)
    csv_names = dict(train='train', val='validation')
    for split, count in counts.items():
        videos, frames, sth, sth_csv = [], [], [], []
        for index in range(count):
            name, label = video_name(index), index % len(CLASS_NAMES)
            vid = sth_id(split, index)
            videos.append(f'{split}/{name}.mp4 {label}')
            frames.append(f'{split}/{name} {num_frames} {label}')
            sth.append(f'{vid} {num_frames} {label}')
            sth_csv.append(f'{vid};{CLASS_TEXTS[label]}')
        _write_lines(osp.join(out_dir, f'synthetic_{split}_list_videos.txt'), videos)
        _write_lines(osp.join(out_dir, f'synthetic_{split}_list_rawframes.txt'), frames)
        _write_lines(osp.join(out_dir, 'sth', f'synthetic_{split}_list_rawframes.txt'), sth)
        _write_lines(osp.join(ann_dir, f'something-something-v1-{csv_names[split]}.csv'), sth_csv)


def _check_meta(out_dir: str, meta: dict, force: bool) -> bool:
    """Return whether existing outputs must be discarded (force or other settings)."""
    meta_path = osp.join(out_dir, _META_FILE)
    if force or not osp.exists(meta_path):
        return force
    with open(meta_path) as f:
        try:
            old = json.load(f)
        except json.JSONDecodeError:
            return True
    if old != meta:
        print(f'{meta_path} records other settings ({old}); regenerating everything')
        return True
    return False


def map_tasks(func: Callable[[Any], bool], tasks: List[Any], workers: Optional[int]) -> List[bool]:
    """``[func(task) for task in tasks]``, in ``workers`` processes (default ``min(2, cpus)``)."""
    workers = workers or min(2, os.cpu_count() or 1)
    if workers > 1 and len(tasks) > 1:
        with Pool(workers) as pool:
            return pool.map(func, tasks, chunksize=max(1, len(tasks) // (4 * workers)))
    return [func(task) for task in tasks]


def generate_dataset(
    out_dir: str = 'data/synthetic',
    num_train_per_class: int = 64,
    num_val_per_class: int = 8,
    width: int = 64,
    height: int = 64,
    frames: int = 32,
    fps: float = 16.0,
    seed: int = 0,
    workers: Optional[int] = None,
    force: bool = False,
) -> Dict[str, int]:
    """Generate (or complete) the synthetic data set under ``out_dir``.

    Videos whose outputs exist already are skipped, unless ``force`` is set
    or the existing set was made with other render settings.

    Args:
        out_dir (str): Output root (see the module docstring for the layout).
        num_train_per_class (int): Training videos per class.
        num_val_per_class (int): Validation videos per class.
        width (int): Frame width in pixels.
        height (int): Frame height in pixels.
        frames (int): Frames per video.
        fps (float): Frame rate written into the videos.
        seed (int): Seed; the same seed and settings give the same data.
        workers (int, optional): Worker processes; default ``min(2, cpus)``.
        force (bool): Regenerate everything.

    Returns:
        dict: ``{'train': n, 'val': n, 'generated': n, 'skipped': n}``.
    """
    if num_train_per_class < 0 or num_val_per_class < 0:
        raise ValueError('the number of videos per class must not be negative')
    meta = dict(
        version=_META_VERSION, width=width, height=height, frames=frames, fps=fps, seed=seed
    )
    os.makedirs(out_dir, exist_ok=True)
    regenerate = _check_meta(out_dir, meta, force)
    # Only folders this generator made (they hold its meta file) are wiped;
    # elsewhere a forced run just overwrites its own files.
    if regenerate and osp.exists(osp.join(out_dir, _META_FILE)):
        for sub in ('videos', 'rawframes', 'sth'):
            shutil.rmtree(osp.join(out_dir, sub), ignore_errors=True)
    with open(osp.join(out_dir, _META_FILE), 'w') as f:
        json.dump(meta, f)
    counts = dict(
        train=num_train_per_class * len(CLASS_NAMES), val=num_val_per_class * len(CLASS_NAMES)
    )
    tasks: List[tuple] = []
    for split, count in counts.items():
        for sub in ('videos', 'rawframes'):
            os.makedirs(osp.join(out_dir, sub, split), exist_ok=True)
        os.makedirs(osp.join(out_dir, 'sth', 'rawframes'), exist_ok=True)
        tasks += [
            (out_dir, split, i, frames, height, width, fps, seed, regenerate) for i in range(count)
        ]
    done = map_tasks(_make_one, tasks, workers)
    _write_annotations(out_dir, counts, frames)
    return dict(counts, generated=sum(done), skipped=len(done) - sum(done))
