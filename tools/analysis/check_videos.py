"""Find videos of an annotation list that are missing or cannot be decoded.

Each video is opened and its first, middle and last frames are decoded by
the toolkit's decoding transforms (``--decoder``: decord, PyAV or OpenCV),
so a video passes exactly when the data pipelines can read it. Broken
videos are printed with the reason and their paths written, one per line,
to the output file. The exit code is 0 whatever was found; the last line
says ``N of M videos are broken``.

Examples::

    python tools/analysis/check_videos.py data/kinetics400/kinetics400_val_list_videos.txt \
        --data-prefix data/kinetics400/videos_val --decoder pyav --output broken.txt
    # or take ann_file and data_prefix from an MMAction2 0.x config:
    python tools/analysis/check_videos.py configs/recognition/tpn/xxx.py --split val
"""

import argparse
import os
import os.path as osp
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmaction.datasets.video_check import DECODERS
    from mmaction.engine.cli import add_cfg_options

    parser = argparse.ArgumentParser(description='Check that the videos of a list decode')
    parser.add_argument('ann_file', help='annotation list (.txt/.json) or a 0.x config (.py)')
    parser.add_argument('--data-prefix', default=None, help='folder the list paths start from')
    parser.add_argument('--split', default='train', choices=['train', 'val', 'test'])
    add_cfg_options(parser, example='data.val.data_prefix=videos (only with a config)')
    parser.add_argument('--decoder', default='decord', choices=DECODERS)
    parser.add_argument('--num-processes', type=int, default=max(1, (os.cpu_count() or 2) - 1))
    parser.add_argument(
        '--output',
        '--output-file',
        dest='output',
        default='invalid-video.txt',
        help='file that receives the paths of the broken videos',
    )
    parser.add_argument(
        '--remove-corrupted-videos', action='store_true', help='delete the broken videos'
    )
    return parser.parse_args(argv)


def video_paths(args: argparse.Namespace) -> List[str]:
    """Full paths of the videos the command line points at (a list, or a config's split)."""
    from mmaction.datasets.video_check import list_video_paths
    from mmaction.engine import load_config

    ann_file, prefix = args.ann_file, args.data_prefix
    if ann_file.endswith('.py'):
        data = load_config(ann_file, args.cfg_options).get('data', {}).get(args.split)
        if data is None:
            raise ValueError(f'{args.ann_file} has no data.{args.split}')
        if data.get('type') != 'VideoDataset':
            raise ValueError(
                f'data.{args.split} of {args.ann_file} is a {data.get("type")}, not a VideoDataset'
            )
        ann_file, prefix = data['ann_file'], prefix or data.get('data_prefix')
    return list_video_paths(ann_file, prefix)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmaction.datasets.video_check import check_videos

    try:
        paths = video_paths(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    broken = check_videos(paths, args.decoder, args.num_processes)
    with open(args.output, 'w') as f:
        f.writelines(path + '\n' for path, _ in broken)
    for path, reason in broken:
        print(f'broken: {path}: {reason}')
    if args.remove_corrupted_videos:
        removed = [p for p, _ in broken if osp.isfile(p)]
        for path in removed:
            os.remove(path)
        print(f'removed {len(removed)} corrupted videos')
    print(f'{len(broken)} of {len(paths)} videos are broken (listed in {args.output})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
