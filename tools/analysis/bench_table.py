"""Print the JSON lines of ``bench_train.py --json`` as a markdown table.

Example::

    python tools/analysis/bench_table.py work_dirs/gpu_figures/results.jsonl
"""

import argparse
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> str:
    parser = argparse.ArgumentParser(description='Markdown table of bench_train.py results')
    parser.add_argument('files', nargs='+', help='files written by bench_train.py --json')
    args = parser.parse_args(argv)
    from mmaction.analysis.bench_table import format_table, load_records

    table = format_table(load_records(args.files))
    print(table)
    return table


if __name__ == '__main__':
    main(sys.argv[1:])
