"""Overlay Grad-CAM heat maps on the frames the model sees (MMAction2 0.x's command line).

The frames are those of the config's test pipeline (the first view: clip 1,
crop 1), the class is the best-scoring one unless ``--target-class`` says
otherwise, the layer is the backbone's last stage unless
``--target-layer-name`` says otherwise.

Example:
    python demo/demo_gradcam.py configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \\
        work_dirs/tpn_slowonly_r18_synthetic_rgb/epoch_6.pth \\
        data/synthetic/videos/val/move_left_fast_0000.mp4 --device cpu --out-filename cam.gif
"""

import argparse
import os.path as osp
import sys


def parse_args(argv=None) -> argparse.Namespace:
    """Command line of MMAction2 0.x ``demo/demo_gradcam.py`` (plus ``--label-map``)."""
    from mmaction.apis.demo_cli import add_model_options

    parser = argparse.ArgumentParser(description='Grad-CAM heat maps over the sampled frames')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('video', help='video file, or frame folder with --use-frames')
    parser.add_argument('--use-frames', action='store_true', help='VIDEO is a folder of frames')
    parser.add_argument('--target-layer-name', help='module to explain (default: last stage)')
    parser.add_argument('--target-class', type=int, help='class to explain (default: the best)')
    parser.add_argument('--label-map', help='class names, one per line, to name the class')
    parser.add_argument('--fps', type=float, default=5.0, help='frame rate of the output')
    parser.add_argument('--alpha', type=float, default=0.5, help='weight of the heat colours')
    parser.add_argument('--out-filename', help='write the overlay: .gif or .mp4')
    add_model_options(parser)
    args = parser.parse_args(argv)
    if args.use_frames and not osp.isdir(args.video):
        parser.error(f'--use-frames: {args.video} is not a folder of frames')
    if args.out_filename and osp.splitext(args.out_filename)[1].lower() not in ('.mp4', '.gif'):
        parser.error('--out-filename must end with .mp4 or .gif')
    if args.fps <= 0 or not 0 <= args.alpha <= 1:
        parser.error('--fps must be positive and --alpha between 0 and 1')
    return args


def main(argv=None) -> None:
    """Compute the heat maps, print the class explained and write the overlay if asked."""
    args = parse_args(argv)
    from mmaction.apis.demo_cli import recognizer_from_args
    from mmaction.apis.gradcam import gradcam, write_overlay
    from mmaction.engine import cli_guard

    with cli_guard():
        model = recognizer_from_args(args)
        result = gradcam(
            model, args.video, args.target_layer_name, args.target_class, args.label_map
        )
        name = f' ({result.target.name})' if result.target.name else ''
        print(
            f'Grad-CAM of class {result.target.index}{name}, score {result.target.score:.4f}, '
            f'at {result.layer}: {result.frames.shape[0]} views of {result.frames.shape[1]} frames'
        )
        if args.out_filename:
            count = write_overlay(result, args.out_filename, args.fps, args.alpha)
            print(f'wrote {args.out_filename} ({count} frames, {args.fps:g} fps)')


if __name__ == '__main__':
    sys.exit(main())
