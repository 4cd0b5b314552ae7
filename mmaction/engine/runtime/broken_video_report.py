"""Reports the test videos that could not be read and were left out of the metrics."""

import os
import os.path as osp
from typing import Any, List, Optional, Sequence

from mmengine.evaluator import BaseMetric

from mmaction.registry import METRICS

from .atomic_io import atomic_write_text
from .console import show


@METRICS.register_module()
class BrokenVideoReport(BaseMetric):
    """Counts the videos left out of a test (dataset ``skip_broken=True``) and lists them.

    Every video of the data set gets one entry (its file name if it was left
    out, else None), so the count is over the whole data set on every
    process. At the end the names go to ``out_file`` (one per line), and
    one line on the console says how many of how many videos were left out
    and where the list is. Nothing is written when every video was read.

    Args:
        out_file (str): Where to list the unreadable videos.
        collect_device (str): Device for gathering results across processes.
    """

    default_prefix = 'broken'

    def __init__(self, out_file: str, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        self.out_file = out_file

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep the file name of each unreadable video, None for the others."""
        for sample in data_samples:
            self.results.append(sample.get('broken') if sample.get('pred_score') is None else None)

    def compute_metrics(self, results: List[Optional[str]]) -> dict:
        """Write the list and say how many were left out; reports no metric."""
        names = [name for name in results if name is not None]
        if not names:
            return {}
        os.makedirs(osp.dirname(osp.abspath(self.out_file)), exist_ok=True)
        atomic_write_text(self.out_file, ''.join(f'{name}\n' for name in names))
        show(
            f'{len(names)} of {len(results)} videos could not be read and were left out of the '
            f'metrics (their scores are null); the list is in {self.out_file}'
        )
        return {}
