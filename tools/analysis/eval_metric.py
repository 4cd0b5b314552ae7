"""Score a saved result file of tools/test.py without running the model again.

Examples::

    python tools/analysis/eval_metric.py configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \
        work_dirs/tpn_slowonly_r18_synthetic_rgb/result.json \
        --eval top_k_accuracy mean_class_accuracy

The labels come from ``data.test`` of the config (after ``--cfg-options``);
the metrics and ``--eval-options`` are those of ``tools/test.py``, which
computes the same numbers. Videos that the test run could not read (null
entries) are left out; the first line says over how many videos the metrics
are.
"""

import argparse
import sys
from typing import Dict, List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmaction.engine.cli import add_cfg_options, add_eval_options

    parser = argparse.ArgumentParser(description='Evaluate a saved result file')
    parser.add_argument('config', help='the config the result was tested with')
    parser.add_argument('result', help='tools/test.py --out file (.json, .pkl, .yaml)')
    parser.add_argument(
        '--eval',
        nargs='+',
        help='metrics: top_k_accuracy, mean_class_accuracy, mean_average_precision, '
        'mmit_mean_average_precision (default: eval_config.metrics of the config)',
    )
    add_eval_options(parser)
    add_cfg_options(parser, example='data.test.ann_file=list.txt')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    """Print and return the metrics."""
    args = parse_args(argv)
    from mmaction.analysis.result_analysis import evaluate_result_file
    from mmaction.engine import cli_guard, load_config

    with cli_guard():
        cfg = load_config(args.config, args.cfg_options)
        metrics, scores = evaluate_result_file(
            cfg, args.result, args.eval, args.eval_options, args.config
        )
    print(f'Evaluating {args.result} {scores.coverage()}')
    for name, value in metrics.items():
        print(f'{name}: {value:.04f}')
    return metrics


if __name__ == '__main__':
    main(sys.argv[1:])
