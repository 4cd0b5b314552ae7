"""A web page that recognizes the action in an uploaded video (Gradio).

Upload a video (or pick one of the videos found next to the label map): the
page shows the top-5 classes (the scores ``demo/demo.py`` prints), the
Grad-CAM overlay, and for a video longer than one window the timeline of
the long-video demo. The model is loaded once; requests queue. Needs the
``demo`` extra: ``pip install -e ".[demo]"``.

Example:
    python demo/webapp.py configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \\
        work_dirs/tpn_slowonly_r18_synthetic_rgb/epoch_6.pth data/synthetic/label_map.txt \\
        --device cpu
    # then open http://127.0.0.1:7860
"""

import argparse
import sys


def parse_args(argv=None) -> argparse.Namespace:
    """Command line of the web demo."""
    from mmaction.apis.demo_cli import add_model_options

    parser = argparse.ArgumentParser(description='Serve the action recognition web demo')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('label', help='label map: one class name per line (examples beside it)')
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on')
    parser.add_argument('--port', type=int, default=7860, help='port to listen on')
    parser.add_argument('--max-upload-mb', type=float, default=200.0, help='largest upload')
    parser.add_argument('--max-seconds', type=float, default=600.0, help='longest video')
    parser.add_argument('--concurrency', type=int, default=1, help='requests answered at once')
    add_model_options(parser, backend=True)
    args = parser.parse_args(argv)
    if args.max_upload_mb <= 0 or args.max_seconds <= 0 or args.concurrency < 1:
        parser.error('--max-upload-mb, --max-seconds and --concurrency must be positive')
    if not 0 < args.port < 65536:
        parser.error(f'--port {args.port}: give a port from 1 to 65535')
    return args


def main(argv=None) -> None:
    """Load the model once and serve until interrupted."""
    args = parse_args(argv)
    from mmaction.apis.demo_cli import recognizer_from_args
    from mmaction.apis.web_app import ServeOptions, serve
    from mmaction.apis.web_demo import WebLimits
    from mmaction.engine import cli_guard

    with cli_guard():
        model = recognizer_from_args(args)
        limits = WebLimits(args.max_upload_mb, args.max_seconds)
        serve(model, args.label, ServeOptions(args.host, args.port, limits, args.concurrency))


if __name__ == '__main__':
    sys.exit(main())
