"""Draw what a config's data pipeline feeds the model: one grid and one GIF per sample.

The frames are taken after sampling and augmentation, before normalization
(in the pipeline's colour order: a BGR/RGB mix-up shows as blue skin), one
row per clip or crop, frames in time order; the title names the label
(with ``--label-map``, its class name). It is how a wrong crop, colour order
or label map is caught before training.

Example::

    python tools/analysis/browse_dataset.py configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \\
        --split train --num 4 --out work_dirs/browse --label-map data/synthetic/label_map.txt
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmaction.engine.cli import add_cfg_options

    parser = argparse.ArgumentParser(description='Draw what the data pipeline feeds the model')
    parser.add_argument('config', help='config file (MMAction2 0.x or 1.x)')
    parser.add_argument('--split', default='train', choices=('train', 'val', 'test'))
    parser.add_argument('--num', type=int, default=5, help='samples to draw (the first N)')
    parser.add_argument('--out', default='work_dirs/browse_dataset', help='output folder')
    parser.add_argument('--label-map', help='class names, one per line, for the titles')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random augmentation')
    parser.add_argument('--fps', type=float, default=4.0, help='frame rate of the GIFs')
    add_cfg_options(parser, example='data.train.ann_file=list.txt')
    args = parser.parse_args(argv)
    if args.num < 1 or args.fps <= 0:
        parser.error('--num must be at least 1 and --fps positive')
    return args


def main(argv: Optional[List[str]] = None) -> None:
    """Write the grids and GIFs, printing one line per sample."""
    args = parse_args(argv)
    from mmaction.analysis.dataset_browser import browse_samples, write_sample
    from mmaction.engine import cli_guard, load_config

    with cli_guard():
        cfg = load_config(args.config, args.cfg_options)
        for sample in browse_samples(cfg, args.split, args.num, args.seed, args.label_map):
            png, gif = write_sample(sample, args.out, args.fps)
            print(f'{sample.title()[0]}: wrote {png} and {gif}')


if __name__ == '__main__':
    main(sys.argv[1:])
