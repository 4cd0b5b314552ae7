"""Count the FLOPs and parameters of a recognizer from its config.

Examples::

    python tools/analysis/get_flops.py configs/recognition/tpn/tpn_slowonly_r50_8x8x1_150e_kinetics_rgb.py
    python tools/analysis/get_flops.py CONFIG --shape 1 3 32 224 224   # 3D: (V, C, T, H, W)
    python tools/analysis/get_flops.py CONFIG --shape 8 3 224 224      # 2D: (V*T, C, H, W)

``--shape`` describes one video (a batch axis of 1 is added), as in
MMAction2 0.x. Without it: one view of the config's test pipeline (as
``benchmark.py`` reads it): ``clip_len`` frames at the test crop size for 3D
models, the sampled segments for 2D models.

The count runs the model's ``forward(imgs, mode='tensor')`` (backbone,
neck and head, per view) under ``torch.utils.flop_counter.FlopCounterMode``,
which counts 2 FLOPs per multiply-accumulate of convolutions and matrix
products. MMAction2 0.x (mmcv's counter) reported multiply-accumulates
(``GMac``) under the name "Flops"; both numbers are printed.
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Count FLOPs and parameters of a recognizer')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=None,
        help='input of one video without the batch axis: (V, C, T, H, W) for 3D, '
        '(V*T, C, H, W) for 2D, or just S / H W for one view',
    )
    parser.add_argument('--device', default='cpu', help='device to run the count on')
    parser.add_argument(
        '--per-op', action='store_true', help='also print the FLOPs of each operator type'
    )
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> dict:
    """Print and return ``input_shape``, ``flops``, ``macs`` and ``params``."""
    args = parse_args(argv)
    from mmaction.analysis.model_analysis import format_flops_report, model_flops
    from mmaction.engine import cli_guard, load_config

    with cli_guard():
        report = model_flops(load_config(args.config), args.shape, args.device)
    print('\n'.join(format_flops_report(report, args.config, args.per_op)))
    return dict(
        input_shape=tuple(report.input_shape),
        flops=report.flops,
        macs=report.macs,
        params=report.params,
    )


if __name__ == '__main__':
    main(sys.argv[1:])
