"""Kinetics-like videos: natural-looking content for decoding benchmarks and tests.

Video codecs spend their bits and time on what real footage has, so the
frames here have it too: textures with detail at every scale (1/f "pink"
noise, the spectrum of natural images), soft-edged textured objects that move
on smooth paths over a background seen by a panning, zooming camera, slow
changes of light and a little sensor noise. Encoded with libx264's defaults
(B-frames, key frame every 250 frames), a 10 s 340x256 clip takes about
400-600 kB, like a Kinetics-400 clip at that size.
"""

import os
import os.path as osp
from multiprocessing import Pool
from typing import Iterator, List, Optional, Tuple

import numpy as np

# How much larger than the frame the background is (room for the camera).
_WORLD_MARGIN = 1.6


def pink_noise(rng: np.random.Generator, height: int, width: int, exponent: float = 1.0):
    """Zero-mean, unit-variance noise whose amplitude falls as ``1 / f ** exponent``.

    Args:
        rng (np.random.Generator): Source of randomness.
        height (int): Rows.
        width (int): Columns.
        exponent (float): Spectral slope (1 for natural images). Defaults to 1.

    Returns:
        np.ndarray: ``height x width`` float32 array.
    """
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    freq = np.sqrt(fx * fx + fy * fy)
    freq[0, 0] = 1.0
    shape = (height, fx.shape[1])
    spectrum = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / freq**exponent
    spectrum[0, 0] = 0.0
    noise = np.fft.irfft2(spectrum, s=(height, width)).astype(np.float32)
    noise -= noise.mean()
    noise /= noise.std() + 1e-6
    return noise


def _texture(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A colourful natural texture: three pink-noise fields mixed into RGB."""
    base = rng.uniform(70.0, 180.0, 3).astype(np.float32)
    mix = rng.uniform(-30.0, 30.0, (3, 3)).astype(np.float32)
    fields = np.stack([pink_noise(rng, height, width, e) for e in (1.2, 1.0, 0.9)], axis=-1)
    return base + fields @ mix.T


def _soft_ellipse(height: int, width: int, blur: float) -> np.ndarray:
    import cv2

    mask = np.zeros((height, width), np.float32)
    center, axes = (width // 2, height // 2), (max(1, width // 2 - 2), max(1, height // 2 - 2))
    cv2.ellipse(mask, center, axes, 0, 0, 360, 1.0, -1, cv2.LINE_AA)
    return cv2.GaussianBlur(mask, (0, 0), blur)[..., None]


class _Mover:
    """A textured soft-edged object on a smooth, wrapping path."""

    def __init__(self, rng: np.random.Generator, width: int, height: int) -> None:
        side = min(width, height)
        self.h = int(rng.integers(max(4, side // 8), max(5, side // 3)))
        self.w = int(rng.integers(max(4, side // 8), max(5, side // 3)))
        self.texture = _texture(rng, self.h, self.w)
        self.mask = _soft_ellipse(self.h, self.w, max(0.5, side / 170))
        self.start = rng.uniform(0, 1, 2) * (width, height)
        self.velocity = rng.uniform(-1, 1, 2) * side / 100
        self.wobble = rng.uniform(0.02, 0.08), rng.uniform(0, 2 * np.pi), side / 12
        self.frame_size = width, height

    def paste(self, frame: np.ndarray, t: int) -> None:
        freq, phase, amplitude = self.wobble
        width, height = self.frame_size
        offset = amplitude * np.array([np.sin(freq * t + phase), np.cos(1.3 * freq * t + phase)])
        x, y = (self.start + self.velocity * t + offset).astype(int)
        # Wrap around so that the object keeps coming back into view.
        x = x % (width + self.w) - self.w
        y = y % (height + self.h) - self.h
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + self.w, width), min(y + self.h, height)
        if x1 <= x0 or y1 <= y0:
            return
        window = frame[y0:y1, x0:x1]
        mask = self.mask[y0 - y : y1 - y, x0 - x : x1 - x]
        texture = self.texture[y0 - y : y1 - y, x0 - x : x1 - x]
        window *= 1 - mask
        window += texture * mask


def render_natural_frames(
    width: int, height: int, num_frames: int, seed: int = 0, num_objects: int = 3
) -> Iterator[np.ndarray]:
    """Render natural-looking frames one at a time.

    Args:
        width (int): Frame width (at least 16).
        height (int): Frame height (at least 16).
        num_frames (int): Frames to render.
        seed (int): Random seed; equal seeds give equal frames. Defaults to 0.
        num_objects (int): Moving objects. Defaults to 3.

    Yields:
        np.ndarray: ``height x width x 3`` uint8 RGB frames.
    """
    import cv2

    if width < 16 or height < 16:
        raise ValueError(f'frames must be at least 16x16, got {width}x{height}')
    rng = np.random.default_rng(seed)
    world_h, world_w = int(height * _WORLD_MARGIN), int(width * _WORLD_MARGIN)
    world = _texture(rng, world_h, world_w)
    world *= np.linspace(0.8, 1.15, world_h, dtype=np.float32)[:, None, None]
    for _ in range(8):
        blob = _Mover(rng, world_w, world_h)
        blob.paste(world, 0)
    movers = [_Mover(rng, width, height) for _ in range(num_objects)]
    pan_phase = rng.uniform(0, 2 * np.pi, 4)
    room_x, room_y = world_w - width, world_h - height
    for t in range(num_frames):
        # The camera pans over the world on a smooth path and zooms slowly.
        cx = room_x / 2 + 0.35 * room_x * np.sin(0.013 * t + pan_phase[0])
        cy = room_y / 2 + 0.3 * room_y * np.sin(0.009 * t + pan_phase[1])
        zoom = 1 + 0.05 * np.sin(0.01 * t + pan_phase[2])
        camera = np.array([[1 / zoom, 0, cx], [0, 1 / zoom, cy]], np.float32)
        frame = cv2.warpAffine(
            world,
            camera,
            (width, height),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT,
        )
        for mover in movers:
            mover.paste(frame, t)
        frame *= 1 + 0.08 * np.sin(0.02 * t + pan_phase[3])
        frame += rng.standard_normal((height, width, 1), dtype=np.float32) * 1.5
        yield np.clip(frame, 0, 255).astype(np.uint8)


def write_natural_video(
    path: str,
    width: int = 340,
    height: int = 256,
    fps: int = 30,
    seconds: float = 10.0,
    seed: int = 0,
    codec: str = 'libx264',
    keyint: Optional[int] = None,
    options: Optional[dict] = None,
    faststart: bool = False,
) -> None:
    """Write one Kinetics-like video (h264 with the encoder's defaults unless told).

    Args:
        path (str): Output file (``.mp4``, ``.mkv``, ...).
        width (int): Frame width. Defaults to 340.
        height (int): Frame height. Defaults to 256.
        fps (int): Frame rate. Defaults to 30.
        seconds (float): Duration. Defaults to 10.
        seed (int): Content seed. Defaults to 0.
        codec (str): FFmpeg encoder. Defaults to ``'libx264'``.
        keyint (int, optional): Key-frame interval; None keeps the encoder's.
        options (dict, optional): Further encoder options.
        faststart (bool): mp4 index first. Defaults to False.
    """
    from .video_writer import VideoWriter

    with VideoWriter(
        path, width, height, fps, codec, keyint, options=options, faststart=faststart
    ) as writer:
        for frame in render_natural_frames(width, height, int(round(fps * seconds)), seed):
            writer.write(frame)


def _write_one(task: Tuple[str, dict]) -> str:
    path, kwargs = task
    write_natural_video(path, **kwargs)
    return path


def make_natural_video_set(
    video_dir: str,
    ann_file: str,
    count: int,
    num_classes: int = 400,
    workers: int = 1,
    **video_kwargs,
) -> List[str]:
    """Write ``count`` Kinetics-like videos and a ``name.mp4 label`` annotation list.

    Videos already there are kept (the names and seeds are fixed), so an
    interrupted run can be repeated.

    Args:
        video_dir (str): Folder of the videos (``video_00000.mp4`` ...).
        ann_file (str): The annotation list to write.
        count (int): Number of videos; video ``i`` has seed ``i`` and label
            ``i % num_classes``.
        num_classes (int): Labels to cycle through. Defaults to 400.
        workers (int): Processes writing videos. Defaults to 1.
        **video_kwargs: Arguments of :func:`write_natural_video`.

    Returns:
        list[str]: The paths of the videos.
    """
    names = [f'video_{index:05d}.mp4' for index in range(count)]
    paths = [osp.join(video_dir, name) for name in names]
    tasks = [
        (path, dict(video_kwargs, seed=index))
        for index, path in enumerate(paths)
        if not osp.isfile(path)
    ]
    os.makedirs(video_dir, exist_ok=True)
    if workers > 1 and len(tasks) > 1:
        with Pool(min(workers, len(tasks))) as pool:
            pool.map(_write_one, tasks, chunksize=1)
    else:
        for task in tasks:
            _write_one(task)
    os.makedirs(osp.dirname(osp.abspath(ann_file)), exist_ok=True)
    with open(ann_file, 'w') as file:
        file.writelines(f'{name} {index % num_classes}\n' for index, name in enumerate(names))
    return paths
