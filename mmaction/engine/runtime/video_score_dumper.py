"""Writes the per-video scores of a test run, as 0.x ``test.py --out`` did."""

import os
import os.path as osp
from typing import Any, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.fileio import dump

from mmaction.registry import METRICS

from .atomic_io import atomic_write_bytes

OUTPUT_FORMATS = {'.json': 'json', '.pkl': 'pkl', '.pickle': 'pkl', '.yaml': 'yaml', '.yml': 'yaml'}


def check_output_path(out_file: str) -> str:
    """Return the dump format of ``out_file`` or raise a ValueError naming it."""
    suffix = osp.splitext(out_file)[1].lower()
    if suffix not in OUTPUT_FORMATS:
        raise ValueError(
            f'--out {out_file!r}: the file must end with one of '
            f'{", ".join(sorted(OUTPUT_FORMATS))} (json, pickle or yaml)'
        )
    return OUTPUT_FORMATS[suffix]


@METRICS.register_module()
class DumpVideoScores(BaseMetric):
    """Collects ``pred_score`` of every video and writes them in data-set order.

    mmengine gathers the results of all processes in sampler order and drops
    the distributed sampler's padding before ``compute_metrics``, so the file
    holds exactly one entry per video of the data set, in order. A pickle
    holds NumPy arrays (like 0.x ``mmcv.dump(outputs)``); JSON and YAML hold
    lists of floats. A video that could not be read (dataset
    ``skip_broken=True``) is ``null`` (None in a pickle).

    Args:
        out_file (str): Destination, ``.json``, ``.pkl`` or ``.yaml``/``.yml``.
        collect_device (str): Device for gathering results across processes.
    """

    default_prefix = 'scores'

    def __init__(self, out_file: str, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        self.file_format = check_output_path(out_file)
        self.out_file = out_file

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep the score array of each video of the batch."""
        for sample in data_samples:
            score = sample['pred_score']
            if score is None:
                self.results.append(None)
                continue
            if hasattr(score, 'detach'):
                score = score.detach().float().cpu().numpy()
            self.results.append(np.asarray(score, dtype=np.float32))

    def compute_metrics(self, results: List[Optional[np.ndarray]]) -> dict:
        """Write the file (on rank 0) and report no metric."""
        payload: Optional[Any] = results
        if self.file_format != 'pkl':
            payload = [None if r is None else r.tolist() for r in results]
        text_or_bytes = dump(payload, file_format=self.file_format)
        if isinstance(text_or_bytes, str):
            text_or_bytes = text_or_bytes.encode('utf-8')
        directory = osp.dirname(osp.abspath(self.out_file))
        os.makedirs(directory, exist_ok=True)
        atomic_write_bytes(self.out_file, text_or_bytes)
        return {}
