"""Fuse the scores of several models (e.g. RGB and flow) and report the accuracy.

Examples::

    python tools/analysis/report_accuracy.py --scores rgb.json flow.json --coefficients 1 1.5 \
        --datalist data/kinetics400/kinetics400_val_list_videos.txt

The fused score of a video is the weighted sum of its scores in the files
(``--apply-softmax`` turns each into probabilities first). The labels are the
last column of the annotation list, in the order the files were written.
A video that any model could not read (null entry) is left out; the first
line says over how many videos the accuracy is.
"""

import argparse
import sys
from typing import Dict, List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Fuse the scores of several models')
    parser.add_argument(
        '--scores', nargs='+', required=True, help='tools/test.py --out files (.json, .pkl, .yaml)'
    )
    parser.add_argument(
        '--coefficients',
        nargs='+',
        type=float,
        help='weight of each score file (default: 1 each)',
    )
    parser.add_argument('--datalist', required=True, help='the annotation list that was tested')
    parser.add_argument(
        '--apply-softmax', action='store_true', help="softmax each model's scores before fusing"
    )
    parser.add_argument(
        '--top-k', nargs='+', type=int, default=[1, 5], help='k of the top-k accuracies'
    )
    args = parser.parse_args(argv)
    if args.coefficients is None:
        args.coefficients = [1.0] * len(args.scores)
    if len(args.coefficients) != len(args.scores):
        parser.error(
            f'{len(args.scores)} score files but {len(args.coefficients)} coefficients: '
            'give one coefficient per score file'
        )
    return args


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    """Print and return the mean class accuracy and the top-k accuracies."""
    args = parse_args(argv)
    from mmaction.analysis.result_analysis import fused_accuracy
    from mmaction.engine import cli_guard

    with cli_guard():
        results, fused = fused_accuracy(
            args.scores, args.coefficients, args.datalist, args.apply_softmax, args.top_k
        )
    print(f'Fusing {len(args.scores)} score files {fused.coverage()}')
    print(f'Mean Class Accuracy: {results["mean_class_accuracy"]:.04f}')
    for k in args.top_k:
        print(f'Top {k} Accuracy: {results[f"top{k}_acc"]:.04f}')
    return results


if __name__ == '__main__':
    main(sys.argv[1:])
