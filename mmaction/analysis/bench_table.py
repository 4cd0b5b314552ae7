"""The figures of ``bench_train.py --json`` runs as one markdown table (``tools/analysis/bench_table.py``)."""

import json
from typing import List, Sequence

__all__ = ['format_table', 'load_records']


#: Columns of :func:`format_table`: header, record key, format.
_COLUMNS = (
    ('label', 'label', '{}'),
    ('part', 'part', '{}'),
    ('batch', 'batch', '{}'),
    ('clips/s', 'clips_per_s', '{:.1f}'),
    ('s/iter', 's_per_iter', '{:.3f}'),
    ('peak MB', 'peak_memory_mb', '{:.0f}'),
    ('TFLOP/s', 'achieved_tflops', '{:.3g}'),
    ('MFU', 'mfu', '{:.1%}'),
    ('data wait', 'data_wait_fraction', '{:.1%}'),
    ('compile s', 'compile_s', '{:.0f}'),
    ('graph breaks', 'graph_breaks', '{}'),
)


def load_records(paths: Sequence[str]) -> List[dict]:
    """The records of ``bench_train.py --json`` files (one JSON object per line), in order."""
    records: List[dict] = []
    for path in paths:
        with open(path) as file:
            records += [json.loads(line) for line in file if line.strip()]
    return records


def format_table(records: List[dict]) -> str:
    """A markdown table of benchmark records (``BenchResult.to_dict()`` plus ``label``)."""
    lines = [
        '| ' + ' | '.join(c[0] for c in _COLUMNS) + ' |',
        '|' + ' --- |' * len(_COLUMNS),
    ]
    for record in records:
        cells = []
        for _, key, spec in _COLUMNS:
            value = record.get(key)
            cells.append('n/a' if value is None else spec.format(value))
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
