"""Slide over a long video and write a timeline of the recognized actions.

OUT ``.json``: the timeline only. OUT ``.mp4``/``.gif``: the video with each
window's labels drawn on, and the timeline beside it (same name, ``.json``).

Example:
    python demo/long_video_demo.py configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \\
        work_dirs/tpn_slowonly_r18_synthetic_rgb/epoch_8.pth long.mp4 \\
        data/synthetic/label_map.txt long_out.mp4 --window 16 --stride 8 --device cpu
"""

import argparse
import os.path as osp
import sys


def parse_args(argv=None) -> argparse.Namespace:
    """Command line of the long-video demo."""
    from mmaction.apis.demo_cli import check_positive, demo_parser

    parser = demo_parser('Recognize actions along a long video')
    parser.add_argument('out', help='.json (timeline) or .mp4/.gif (labelled video + .json)')
    parser.add_argument(
        '--window', type=int, help='frames per window (default: one clip of the test sampler)'
    )
    parser.add_argument('--stride', type=int, help='frames between windows (default: window/2)')
    parser.add_argument(
        '--threshold', type=float, default=0.0, help='leave out classes scoring below this'
    )
    parser.add_argument(
        '--clips', type=int, default=1, help='clips per window (2D models: 1, or 2 for twice)'
    )
    parser.add_argument(
        '--crops', type=int, choices=(1, 3, 10), help="crops per clip (default: the config's)"
    )
    args = parser.parse_args(argv)
    check_positive(parser, args, 'window', 'stride', 'top_k', 'clips')
    if osp.splitext(args.out)[1].lower() not in ('.json', '.mp4', '.gif'):
        parser.error('OUT must end with .json, .mp4 or .gif')
    return args


def main(argv=None) -> None:
    """Score the windows and write the timeline (and the labelled video)."""
    args = parse_args(argv)
    from mmaction.apis import Views
    from mmaction.apis.demo_cli import recognizer_from_args
    from mmaction.apis.long_video import TimelineOptions, write_timeline
    from mmaction.engine import cli_guard

    with cli_guard():
        model = recognizer_from_args(args)
        options = TimelineOptions(
            window=args.window,
            stride=args.stride,
            top_k=args.top_k,
            threshold=args.threshold,
            views=Views(clips=args.clips, crops=args.crops),
            font_scale=args.font_scale,
            fps=args.fps,
        )
        for path in write_timeline(model, args.video, args.out, options, args.label):
            print(f'wrote {path}')


if __name__ == '__main__':
    sys.exit(main())
