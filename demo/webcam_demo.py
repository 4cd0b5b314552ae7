"""Recognize actions live, from a webcam, a stream or a file read at its own frame rate.

A sliding window as long as one view of the config's test sampler holds the
latest frames; it is scored up to ``--inference-fps`` times a second, and
frames are dropped rather than queued when scoring is slower than the
source. With a display the frames and the classes above ``--threshold``
are shown (q quits); without one the classes are printed, and
``--out-filename`` records what would be shown. The achieved frame rates
and the number of dropped frames are printed at the end.

Example:
    python demo/webcam_demo.py configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \\
        work_dirs/tpn_slowonly_r18_synthetic_rgb/epoch_6.pth data/synthetic/label_map.txt \\
        --source data/synthetic/videos/val/move_left_fast_0000.mp4 --device cpu
"""

import argparse
import sys


def parse_args(argv=None) -> argparse.Namespace:
    """Command line of MMAction2 0.x ``demo/webcam_demo.py``, plus ``--source``."""
    from mmaction.apis.demo_cli import add_model_options, check_positive

    parser = argparse.ArgumentParser(description='Recognize actions on live frames')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('label', help='label map: one class name per line')
    source = parser.add_mutually_exclusive_group()
    source.add_argument('--camera-id', type=int, default=0, help='camera number (default 0)')
    source.add_argument('--source', help='a video file or frame folder (read live), or a URL')
    parser.add_argument('--threshold', type=float, default=0.2, help='show classes above this')
    parser.add_argument('--average-size', type=int, default=1, help='windows to average')
    parser.add_argument('--drawing-fps', type=float, default=20.0, help='frames drawn per second')
    parser.add_argument(
        '--inference-fps', type=float, default=4.0, help='windows scored per second at most'
    )
    parser.add_argument('--out-filename', help='also write what is drawn (.mp4 or .gif)')
    parser.add_argument('--no-show', action='store_true', help='no window even with a display')
    add_model_options(parser, backend=True)
    args = parser.parse_args(argv)
    check_positive(parser, args, 'average_size')
    if args.out_filename and not args.out_filename.lower().endswith(('.mp4', '.gif')):
        parser.error('--out-filename must end with .mp4 or .gif')
    if args.drawing_fps <= 0 or args.inference_fps <= 0:
        parser.error('--drawing-fps and --inference-fps must be positive')
    return args


def main(argv=None) -> None:
    """Run until the source ends (or q), then print what was achieved."""
    args = parse_args(argv)
    from mmaction.apis.demo_cli import recognizer_from_args
    from mmaction.apis.live_recognition import LiveOptions, has_display, run_live
    from mmaction.engine import cli_guard

    with cli_guard():
        model = recognizer_from_args(args)
        options = LiveOptions(
            threshold=args.threshold,
            average_size=args.average_size,
            drawing_fps=args.drawing_fps,
            inference_fps=args.inference_fps,
        )
        source = args.source if args.source is not None else args.camera_id
        show = has_display() and not args.no_show
        stats = run_live(model, source, options, args.label, show, args.out_filename)
        print(stats.summary())
        if args.out_filename and stats.drawn:
            print(f'wrote {args.out_filename}')


if __name__ == '__main__':
    sys.exit(main())
