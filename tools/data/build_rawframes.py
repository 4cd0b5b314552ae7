"""Extract RGB frames (``img_00001.jpg`` ...) from every video under a folder.

Example (Kinetics layout, class sub-folders, short side 256)::

    python tools/data/build_rawframes.py data/kinetics400/videos_train \
        data/kinetics400/rawframes_train --level 2 --ext mp4 --task rgb \
        --new-short 256 --use-opencv --resume

``SRC/<video>.<ext>`` (level 1) or ``SRC/<class>/<video>.<ext>`` (level 2)
becomes ``OUT/<video>/`` or ``OUT/<class>/<video>/``. Frames are decoded
with OpenCV (``--use-opencv``) or PyAV (default; MMAction2 used the external
denseflow tool there). A hidden ``.done`` file, written after the last
frame, marks a finished folder: ``--resume`` skips those and redoes the
others. Failed videos are listed at the end and make the exit code 1.
"""

import argparse
import glob
import os
import os.path as osp
import shutil
import sys
from multiprocessing import Pool
from typing import Iterator, List, Optional, Tuple

import numpy as np

DONE_FILE = '.done'
DEFAULT_EXTS = ('mp4', 'avi', 'webm', 'mkv', 'mov')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Extract raw RGB frames from videos')
    parser.add_argument('src_dir', help='folder holding the videos')
    parser.add_argument('out_dir', help='folder for the frame folders')
    parser.add_argument(
        '--task', default='rgb', choices=['rgb'], help='only RGB frames are supported'
    )
    parser.add_argument('--level', type=int, default=2, choices=[1, 2], help='folder depth')
    parser.add_argument('--num-worker', type=int, default=8, help='worker processes')
    parser.add_argument('--out-format', default='jpg', choices=['jpg', 'png'])
    parser.add_argument(
        '--ext', nargs='+', default=['avi'], help='video file extensions to take (without dot)'
    )
    parser.add_argument(
        '--mixed-ext', action='store_true', help=f'take any of {", ".join(DEFAULT_EXTS)}'
    )
    parser.add_argument('--new-width', type=int, default=0, help='resize width (with height)')
    parser.add_argument('--new-height', type=int, default=0, help='resize height (with width)')
    parser.add_argument(
        '--new-short', type=int, default=0, help='resize the short side, keeping the ratio'
    )
    parser.add_argument(
        '--use-opencv', action='store_true', help='decode with OpenCV instead of PyAV'
    )
    parser.add_argument(
        '--resume', action='store_true', help='skip videos whose frame folder is complete'
    )
    parser.add_argument(
        '--report-file', default=None, help='append the paths of finished videos to this file'
    )
    args = parser.parse_args(argv)
    if args.new_short and (args.new_width or args.new_height):
        parser.error('--new-short cannot be combined with --new-width/--new-height')
    if bool(args.new_width) != bool(args.new_height):
        parser.error('--new-width and --new-height must be given together')
    if min(args.new_short, args.new_width, args.new_height) < 0:
        parser.error('resize sizes must be positive')
    return args


def find_videos(src_dir: str, level: int, exts: List[str]) -> List[str]:
    """Return the sorted video paths relative to ``src_dir`` (``[class/]name.ext``)."""
    if not osp.isdir(src_dir):
        raise FileNotFoundError(f'source folder {src_dir} does not exist')
    pattern = osp.join(src_dir, *(['*'] * level))
    wanted = {'.' + e.lower().lstrip('.') for e in exts}
    found = [
        p for p in glob.glob(pattern) if osp.isfile(p) and osp.splitext(p)[1].lower() in wanted
    ]
    return sorted(osp.relpath(p, src_dir) for p in found)


def output_size(height: int, width: int, args: argparse.Namespace) -> Tuple[int, int]:
    """Return the ``(height, width)`` frames are resized to."""
    if args.new_short:
        if height <= width:
            return args.new_short, max(1, int(round(width * args.new_short / height)))
        return max(1, int(round(height * args.new_short / width))), args.new_short
    if args.new_width:
        return args.new_height, args.new_width
    return height, width


def _frames_opencv(path: str) -> Iterator[np.ndarray]:
    import cv2

    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise OSError('OpenCV cannot open the video')
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            yield frame
    finally:
        cap.release()


def _frames_pyav(path: str) -> Iterator[np.ndarray]:
    import av

    with av.open(path) as container:
        if not container.streams.video:
            raise OSError('the file has no video stream')
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format='bgr24')


def extract_video(task: Tuple[str, str, argparse.Namespace]) -> Tuple[str, str, str]:
    """Extract one video's frames.

    Returns:
        tuple[str, str, str]: Relative path, status (``'done'``,
        ``'skipped'`` or ``'failed'``) and the error message ('' if none).
    """
    import cv2

    src_dir, rel_path, args = task
    out_path = osp.join(args.out_dir, osp.splitext(rel_path)[0])
    if args.resume and osp.exists(osp.join(out_path, DONE_FILE)):
        return rel_path, 'skipped', ''
    # A folder without the done-file is from an interrupted run: start over.
    if osp.isdir(out_path):
        shutil.rmtree(out_path)
    os.makedirs(out_path)
    reader = _frames_opencv if args.use_opencv else _frames_pyav
    count = 0
    try:
        for count, frame in enumerate(reader(osp.join(src_dir, rel_path)), start=1):
            height, width = output_size(frame.shape[0], frame.shape[1], args)
            if (height, width) != frame.shape[:2]:
                frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_LINEAR)
            name = osp.join(out_path, f'img_{count:05d}.{args.out_format}')
            if not cv2.imwrite(name, frame):
                raise OSError(f'cannot write {name}')
    except Exception as exc:  # any decoder failure is reported per video
        return rel_path, 'failed', f'{type(exc).__name__}: {exc} (after {count} frames)'
    if count == 0:
        return rel_path, 'failed', 'no frame could be decoded'
    with open(osp.join(out_path, DONE_FILE), 'w') as f:
        f.write(f'{count}\n')
    return rel_path, 'done', ''


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    exts = list(DEFAULT_EXTS) if args.mixed_ext else args.ext
    try:
        videos = find_videos(args.src_dir, args.level, exts)
    except FileNotFoundError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    print(f'{len(videos)} videos with extension(s) {", ".join(exts)} in {args.src_dir}')
    os.makedirs(args.out_dir, exist_ok=True)
    tasks = [(args.src_dir, rel, args) for rel in videos]
    if args.num_worker > 1 and len(tasks) > 1:
        pool = Pool(args.num_worker)
        results = pool.imap_unordered(extract_video, tasks)
    else:
        pool, results = None, map(extract_video, tasks)
    failed, skipped = [], 0
    for i, (rel, status, error) in enumerate(results, start=1):
        print(f'[{i}/{len(tasks)}] {rel} {status} {error}'.rstrip(), flush=True)
        if status == 'failed':
            failed.append((rel, error))
        elif status == 'skipped':
            skipped += 1
        elif args.report_file:
            with open(args.report_file, 'a') as f:
                f.write(osp.join(args.src_dir, rel) + '\n')
    if pool is not None:
        pool.close()
        pool.join()
    if failed:
        print(f'{len(failed)} of {len(tasks)} videos failed:')
        for rel, error in sorted(failed):
            print(f'  {osp.join(args.src_dir, rel)}: {error}')
        return 1
    print(
        f'all {len(tasks)} videos extracted to {args.out_dir} '
        f'({skipped} complete already and skipped)'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
