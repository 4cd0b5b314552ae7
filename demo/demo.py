"""Recognize the action in a video, print the top-k classes, optionally write the labelled video.

Example:
    python demo/demo.py configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \\
        work_dirs/tpn_slowonly_r18_synthetic_rgb/epoch_8.pth \\
        data/synthetic/videos/val/move_left_fast_0000.mp4 data/synthetic/label_map.txt \\
        --device cpu --out-filename demo_out.mp4
"""

import argparse
import os.path as osp
import sys


def parse_args(argv=None) -> argparse.Namespace:
    """Command line of MMAction2 0.x ``demo/demo.py``."""
    from mmaction.apis.demo_cli import check_positive, demo_parser

    parser = demo_parser('Recognize the action in a video')
    parser.add_argument('--out-filename', help='write the video with the labels: .mp4 or .gif')
    args = parser.parse_args(argv)
    check_positive(parser, args, 'top_k')
    if args.out_filename and osp.splitext(args.out_filename)[1].lower() not in ('.mp4', '.gif'):
        parser.error('--out-filename must end with .mp4 or .gif')
    return args


def main(argv=None) -> None:
    """Score the video, print the top-k classes and write the labelled video if asked."""
    args = parse_args(argv)
    from mmaction.apis import inference_recognizer
    from mmaction.apis.annotated_video import label_lines, write_result_video
    from mmaction.apis.demo_cli import recognizer_from_args
    from mmaction.engine import cli_guard

    with cli_guard():
        model = recognizer_from_args(args)
        result = inference_recognizer(model, args.video, label_map=args.label, top_k=args.top_k)
        print(f'The top-{len(result.top_k)} labels with corresponding scores are:')
        for line in label_lines(result.top_k, digits=4):
            print(line)
        if args.out_filename:
            count, fps = write_result_video(
                model, args.video, result.top_k, args.out_filename, args.fps, args.font_scale
            )
            print(f'wrote {args.out_filename} ({count} frames, {fps:g} fps)')


if __name__ == '__main__':
    sys.exit(main())
