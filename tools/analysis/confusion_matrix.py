"""Confusion matrix of a saved result file of tools/test.py, as an image and/or CSV.

Examples::

    python tools/analysis/confusion_matrix.py configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \
        work_dirs/tpn_slowonly_r18_synthetic_rgb/result.json \
        --label-map data/synthetic/label_map.txt --out cm.png --csv cm.csv

Rows are the true classes (from ``data.test`` of the config), columns the
predicted ones (the best score); ``--normalize`` divides each row by its
total (``--normalize pred``: each column, ``all``: the whole matrix).
Without ``--label-map`` the classes are named by their index. Videos that
the test run could not read (null entries) are left out, and the title
says over how many videos the matrix is.
"""

import argparse
import sys
from typing import List, Optional

NORMALIZED_TITLES = {
    'true': ', fractions of each true class',
    'pred': ', fractions of each predicted class',
    'all': ', fractions of all videos',
}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmaction.engine.cli import add_cfg_options

    parser = argparse.ArgumentParser(description='Confusion matrix of a saved result file')
    parser.add_argument('config', help='the config the result was tested with')
    parser.add_argument('result', help='tools/test.py --out file (.json, .pkl, .yaml)')
    parser.add_argument('--label-map', help='class names, one per line (line i+1: class i)')
    parser.add_argument('--out', help='image to write (.png, .pdf, .svg, .jpg)')
    parser.add_argument('--csv', help='CSV file to write')
    parser.add_argument(
        '--normalize',
        nargs='?',
        const='true',
        choices=['true', 'pred', 'all'],
        help='fractions instead of counts: of each true class (default), of each '
        'predicted class, or of all videos',
    )
    add_cfg_options(parser, example='data.test.ann_file=list.txt')
    args = parser.parse_args(argv)
    if not args.out and not args.csv:
        parser.error('give --out IMAGE and/or --csv FILE')
    return args


def main(argv: Optional[List[str]] = None):
    """Write the matrix; return it (rows true classes, columns predicted)."""
    args = parse_args(argv)
    from mmaction.analysis.result_analysis import confusion_report, write_confusion_csv
    from mmaction.engine import cli_guard, load_config
    from mmaction.visualization import check_figure_path, plot_confusion_matrix

    with cli_guard():
        if args.out:
            check_figure_path(args.out)
        cfg = load_config(args.config, args.cfg_options)
        report = confusion_report(cfg, args.result, args.label_map, args.normalize, args.config)
        print(f'Confusion matrix of {args.result} {report.coverage}')
        if args.csv:
            write_confusion_csv(args.csv, report.matrix, report.names)
            print(f'wrote {args.csv}')
        if args.out:
            kind = NORMALIZED_TITLES.get(args.normalize, '')
            title = f'Confusion matrix {report.coverage}{kind}'
            plot_confusion_matrix(report.matrix, report.names, args.out, title)
            print(f'wrote {args.out}')
    return report.matrix


if __name__ == '__main__':
    main(sys.argv[1:])
