"""Re-encode videos to a short side and key-frame interval chosen for fast loading.

Decoding a sampled frame means decoding from the key frame before it, so a
short key-frame interval (``keyint``) and a small frame size make loading
faster. :func:`resize_videos` converts a whole folder tree in parallel;
videos that cannot be read are skipped and named.
"""

import os
import os.path as osp
from multiprocessing import Pool
from typing import Iterator, List, NamedTuple, Optional, Tuple

VIDEO_EXTS = ('mp4', 'avi', 'webm', 'mkv', 'mov', 'flv', 'm4v', 'mpg', 'mpeg', 'wmv')


def scaled_size(width: int, height: int, short_side: int) -> Tuple[int, int]:
    """``(w, h)`` with the short side ``short_side`` and the ratio kept, both even.

    yuv420p frames need even sides; the long side is rounded to the nearest
    even number.
    """
    if short_side < 2 or short_side % 2:
        raise ValueError(f'the short side must be an even number >= 2, got {short_side}')
    if width <= height:
        return short_side, max(2, int(round(height * short_side / width / 2)) * 2)
    return max(2, int(round(width * short_side / height / 2)) * 2), short_side


def resize_video(src: str, dst: str, short_side: int = 256, keyint: Optional[int] = None) -> int:
    """Re-encode ``src`` to ``dst``: h264 (libx264 defaults), short side ``short_side``.

    The frame timestamps and rate are kept; audio is dropped. ``dst`` appears
    only once complete.

    Args:
        src (str): Input video.
        dst (str): Output video (its extension chooses the container).
        short_side (int): Short side of the output. Defaults to 256.
        keyint (int, optional): Key-frame interval; None keeps libx264's
            (250). Defaults to None.

    Returns:
        int: The number of frames written.

    Raises:
        ValueError: the input has no video stream or no frame.
        av.error.FFmpegError: the input cannot be read.
    """
    import av
    from av.video.reformatter import VideoReformatter

    from .video_writer import VideoWriter

    with av.open(src) as container:
        if not container.streams.video:
            raise ValueError('no video stream')
        stream = container.streams.video[0]
        stream.thread_type = 'AUTO'
        rate = stream.average_rate or stream.guessed_rate or 30
        width, height = scaled_size(
            stream.codec_context.width, stream.codec_context.height, short_side
        )
        reformatter = VideoReformatter()
        writer = VideoWriter(dst, width, height, rate, keyint=keyint, time_base=stream.time_base)
        try:
            last_pts = None
            for frame in container.decode(stream):
                pts = frame.pts
                if pts is None or (last_pts is not None and pts <= last_pts):
                    # Missing or repeated timestamps: continue one frame on.
                    pts = 0 if last_pts is None else last_pts + _frame_ticks(stream, rate)
                last_pts = pts
                scaled = reformatter.reformat(
                    frame, width, height, format='yuv420p', interpolation='BICUBIC'
                )
                writer.write(scaled, pts=pts)
        except BaseException:
            writer.abort()
            raise
        if writer.count == 0:
            writer.abort()
            raise ValueError('no frame could be decoded')
        writer.close()
        return writer.count


def _frame_ticks(stream, rate) -> int:
    return max(1, int(round(1 / (rate * stream.time_base))))


class ResizeResult(NamedTuple):
    """What happened to one video: ``status`` is ``done``, ``skipped`` or ``failed``."""

    rel_path: str
    status: str
    message: str


def find_videos(src_dir: str, exts: Tuple[str, ...] = VIDEO_EXTS) -> List[str]:
    """Paths (relative to ``src_dir``) of the videos below it, at any depth, sorted."""
    if not osp.isdir(src_dir):
        raise FileNotFoundError(f'source folder {src_dir} does not exist')
    wanted = {'.' + ext.lower().lstrip('.') for ext in exts}
    found = []
    for root, _, files in os.walk(src_dir):
        for name in files:
            if osp.splitext(name)[1].lower() in wanted and not name.startswith('.'):
                found.append(osp.relpath(osp.join(root, name), src_dir))
    return sorted(found)


def output_path(dst_dir: str, rel_path: str) -> str:
    """Where ``rel_path`` goes: same relative path, in an ``.mp4`` file."""
    return osp.join(dst_dir, osp.splitext(rel_path)[0] + '.mp4')


def _resize_task(task: Tuple[str, str, str, int, Optional[int], bool]) -> ResizeResult:
    src_dir, dst_dir, rel_path, short_side, keyint, resume = task
    dst = output_path(dst_dir, rel_path)
    if resume and osp.isfile(dst):
        return ResizeResult(rel_path, 'skipped', '')
    try:
        count = resize_video(osp.join(src_dir, rel_path), dst, short_side, keyint)
    except Exception as error:  # any decoder failure names the video and moves on
        text = str(error).strip().splitlines()
        return ResizeResult(
            rel_path, 'failed', f'{type(error).__name__}: {text[-1] if text else ""}'
        )
    return ResizeResult(rel_path, 'done', f'{count} frames')


def resize_videos(
    src_dir: str,
    dst_dir: str,
    short_side: int = 256,
    keyint: Optional[int] = None,
    num_workers: int = 1,
    resume: bool = False,
    exts: Tuple[str, ...] = VIDEO_EXTS,
) -> Iterator[ResizeResult]:
    """Re-encode every video below ``src_dir`` into the same tree below ``dst_dir``.

    Args:
        src_dir (str): Folder of the videos (searched at any depth).
        dst_dir (str): Output folder; ``a/b.webm`` becomes ``a/b.mp4``.
        short_side (int): Short side of the output. Defaults to 256.
        keyint (int, optional): Key-frame interval; None keeps libx264's.
        num_workers (int): Videos converted in parallel. Defaults to 1.
        resume (bool): Skip videos whose output exists (outputs appear only
            when complete). Defaults to False.
        exts (tuple[str]): Video file extensions. Defaults to ``VIDEO_EXTS``.

    Yields:
        ResizeResult: One per video, in completion order.
    """
    scaled_size(2, 2, short_side)  # checks short_side before any work starts
    videos = find_videos(src_dir, exts)
    tasks = [(src_dir, dst_dir, rel, short_side, keyint, resume) for rel in videos]
    if num_workers > 1 and len(tasks) > 1:
        with Pool(min(num_workers, len(tasks))) as pool:
            yield from pool.imap_unordered(_resize_task, tasks)
    else:
        yield from map(_resize_task, tasks)
