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
import os.path as osp
import sys
from typing import List, Optional

from mmaction.utils.frame_extraction import (
    DEFAULT_EXTS,
    ExtractOptions,
    extract_frames,
    find_videos,
)


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


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    exts = list(DEFAULT_EXTS) if args.mixed_ext else args.ext
    try:
        videos = find_videos(args.src_dir, args.level, exts)
    except FileNotFoundError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    print(f'{len(videos)} videos with extension(s) {", ".join(exts)} in {args.src_dir}')
    options = ExtractOptions(
        out_dir=args.out_dir,
        out_format=args.out_format,
        new_width=args.new_width,
        new_height=args.new_height,
        new_short=args.new_short,
        use_opencv=args.use_opencv,
        resume=args.resume,
    )
    failed, skipped = [], 0
    results = extract_frames(args.src_dir, videos, options, args.num_worker)
    for i, (rel, status, error) in enumerate(results, start=1):
        print(f'[{i}/{len(videos)}] {rel} {status} {error}'.rstrip(), flush=True)
        if status == 'failed':
            failed.append((rel, error))
        elif status == 'skipped':
            skipped += 1
        elif args.report_file:
            with open(args.report_file, 'a') as f:
                f.write(osp.join(args.src_dir, rel) + '\n')
    if failed:
        print(f'{len(failed)} of {len(videos)} videos failed:')
        for rel, error in sorted(failed):
            print(f'  {osp.join(args.src_dir, rel)}: {error}')
        return 1
    print(
        f'all {len(videos)} videos extracted to {args.out_dir} '
        f'({skipped} complete already and skipped)'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
