"""Re-encode a video data set to a short side and key-frame interval that load fast.

Example (Kinetics, short side 256, a key frame every 16 frames, 8 processes)::

    python tools/data/resize_videos.py data/kinetics400/videos_train \\
        data/kinetics400/videos_train_256 --scale 256 --keyint 16 --num-worker 8 --resume

Every video below SRC (any depth) is written, h264 (libx264, its default
quality) without audio, to the same relative path below DST with the
extension ``.mp4``. Frame timestamps are kept. A video appears in DST only
once complete, so ``--resume`` skips the finished ones after an interruption.
Videos that cannot be read are skipped, listed at the end and make the exit
code 1.
"""

import argparse
import sys
from typing import List, Optional

from mmaction.utils.video_resize import VIDEO_EXTS, resize_videos


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Re-encode videos to a short side and GOP size')
    parser.add_argument('src_dir', help='folder holding the videos (searched at any depth)')
    parser.add_argument('dst_dir', help='folder for the re-encoded videos')
    parser.add_argument('--scale', type=int, default=256, help='short side of the output (even)')
    parser.add_argument(
        '--keyint',
        type=int,
        default=None,
        metavar='N',
        help='key-frame interval in frames (default: libx264 default, 250)',
    )
    parser.add_argument('--num-worker', type=int, default=1, help='videos converted in parallel')
    parser.add_argument('--resume', action='store_true', help='skip videos already converted')
    parser.add_argument(
        '--ext', nargs='+', default=list(VIDEO_EXTS), help='video file extensions (without dot)'
    )
    args = parser.parse_args(argv)
    if args.scale < 2 or args.scale % 2:
        parser.error(f'--scale must be an even number >= 2, got {args.scale}')
    if args.keyint is not None and args.keyint < 1:
        parser.error(f'--keyint must be >= 1, got {args.keyint}')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmaction.engine import cli_guard

    failed, counts = [], {'done': 0, 'skipped': 0, 'failed': 0}
    with cli_guard():
        results = resize_videos(
            args.src_dir,
            args.dst_dir,
            args.scale,
            args.keyint,
            args.num_worker,
            args.resume,
            tuple(args.ext),
        )
        for number, result in enumerate(results, start=1):
            counts[result.status] += 1
            print(f'[{number}] {result.rel_path} {result.status} {result.message}'.rstrip())
            if result.status == 'failed':
                failed.append(result)
    total = sum(counts.values())
    print(
        f'{counts["done"]} of {total} videos written to {args.dst_dir}, '
        f'{counts["skipped"]} already there, {counts["failed"]} unreadable'
    )
    for result in sorted(failed):
        print(f'unreadable: {result.rel_path}: {result.message}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
