"""Plot training curves and time the training iterations, from the JSON training logs.

Examples::

    python tools/analysis/analyze_logs.py plot_curve work_dirs/tpn_slowonly_r18_synthetic_rgb \
        --keys loss_cls top1_acc --out curve.png
    python tools/analysis/analyze_logs.py cal_train_time work_dirs/tpn_slowonly_r18_synthetic_rgb

A log is a work dir (all its runs, in time order), one of its
``<timestamp>`` folders, a ``vis_data/scalars.json`` file, or a 0.x
``.log.json`` file. Several logs give one curve each.

``--keys``: training values (``loss``, ``loss_cls``, ``lr``, ...) are drawn
over the iteration, validation metrics (``top1_acc``, ``mean_class_accuracy``)
over the epoch, one panel per key. A key logged in both (``top1_acc`` is also
the accuracy of the training batches) means the validation value; write
``train:top1_acc`` for the training one.
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Analyze JSON training logs')
    tasks = parser.add_subparsers(dest='task', required=True)

    plot = tasks.add_parser('plot_curve', help='plot logged values as curves (PNG, PDF, SVG)')
    plot.add_argument('logs', nargs='+', help='work dirs, <timestamp> folders or JSON logs')
    plot.add_argument(
        '--keys',
        nargs='+',
        default=['top1_acc'],
        help='logged keys to plot, e.g. loss_cls top1_acc (prefix train: or val: to choose)',
    )
    plot.add_argument('--title', help='title of the figure')
    plot.add_argument('--legend', nargs='+', help='one name per log (default: the log names)')
    plot.add_argument('--out', required=True, help='image file to write, e.g. curve.png')

    timing = tasks.add_parser('cal_train_time', help='seconds per training iteration')
    timing.add_argument('logs', nargs='+', help='work dirs, <timestamp> folders or JSON logs')
    timing.add_argument(
        '--include-outliers',
        action='store_true',
        help='also count the first logged iteration of every epoch',
    )
    return parser.parse_args(argv)


def plot_curve(args: argparse.Namespace) -> list:
    """Draw the curves of ``args.keys``; return the panels drawn."""
    from mmaction.analysis.training_log import curve_panels, read_training_log
    from mmaction.visualization import check_figure_path, plot_curve_panels

    check_figure_path(args.out)
    logs = [read_training_log(path) for path in args.logs]
    for log in logs:
        print(
            f'{log.name}: {len(log.train)} training and {len(log.val)} validation records '
            f'from {len(log.files)} file(s)'
        )
    panels = curve_panels(logs, args.keys, args.legend)
    plot_curve_panels(panels, args.out, args.title)
    print(f'saved the curves of {", ".join(args.keys)} to {args.out}')
    return panels


def cal_train_time(args: argparse.Namespace) -> list:
    """Print the time per iteration of each log; return the statistics."""
    from mmaction.analysis.training_log import read_training_log, train_time_stats

    results = []
    for path in args.logs:
        stats = train_time_stats(read_training_log(path), args.include_outliers)
        slowest, fastest = stats.slowest, stats.fastest
        print(f'-----Analyze train time of {path}-----')
        print(f'slowest epoch {slowest[0]}, average time is {slowest[1]:.4f} s/iter')
        print(f'fastest epoch {fastest[0]}, average time is {fastest[1]:.4f} s/iter')
        print(f'time std over epochs is {stats.std:.4f}')
        print(f'average iter time: {stats.mean:.4f} s/iter')
        print()
        results.append(stats)
    return results


TASKS = {'plot_curve': plot_curve, 'cal_train_time': cal_train_time}


def main(argv: Optional[List[str]] = None) -> list:
    args = parse_args(argv)
    from mmaction.engine import cli_guard

    with cli_guard():
        return TASKS[args.task](args)


if __name__ == '__main__':
    main(sys.argv[1:])
