"""Write the features of a list of videos: one .npy per video and an index.json.

The videos go through one data loader with the model's test pipeline; the
features are the output of ``--layer`` (``backbone``, ``neck``, ``head`` or
any dotted module name such as ``backbone.layer4``), averaged over views,
time and space with ``--pool mean`` (a vector per video) or kept whole with
``--pool none``. They equal what the inference API's ``outputs=`` gives.

Example::

    python tools/misc/extract_features.py configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \\
        work_dirs/tpn_slowonly_r18_synthetic_rgb/epoch_6.pth \\
        --video-list data/synthetic/synthetic_val_list_videos.txt \\
        --video-root data/synthetic/videos --out work_dirs/features --device cpu
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmaction.apis.demo_cli import add_model_options

    parser = argparse.ArgumentParser(description='Extract features of a list of videos')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--video-list', required=True, help='one video (first field) per line')
    parser.add_argument('--video-root', help='folder the paths of the list are relative to')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--layer', default='backbone', help='backbone, neck, head or a module')
    parser.add_argument('--pool', default='mean', choices=('mean', 'none'))
    parser.add_argument('--batch', type=int, default=1, help='videos per forward pass')
    parser.add_argument('--workers', type=int, default=0, help='data loading processes')
    add_model_options(parser)
    args = parser.parse_args(argv)
    if args.batch < 1 or args.workers < 0:
        parser.error('--batch must be at least 1 and --workers not negative')
    return args


def main(argv: Optional[List[str]] = None) -> None:
    """Extract, write and print where the index is."""
    args = parse_args(argv)
    from mmaction.apis.demo_cli import recognizer_from_args
    from mmaction.apis.feature_extraction import extract_features, read_video_list
    from mmaction.engine import cli_guard

    with cli_guard():
        videos = read_video_list(args.video_list, args.video_root)
        model = recognizer_from_args(args)
        index = extract_features(
            model, videos, args.out, args.layer, args.pool, args.batch, args.video_root,
            args.workers,
        )  # fmt: skip
        print(f'wrote the features of {len(videos)} videos to {args.out} (index: {index})')


if __name__ == '__main__':
    main(sys.argv[1:])
