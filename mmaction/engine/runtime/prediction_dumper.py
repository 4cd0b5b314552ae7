"""``DumpResults``: the per-video predictions of a test run, in MMAction2 1.x's ``--dump`` file.

MMAction2 1.x's ``tools/test.py --dump FILE.pkl`` pickles a list with one
dict per video, in data-set order: the video's metainfo (``img_shape``,
``num_classes``, ...) and ``pred_score`` (float tensor), ``pred_label`` and
``gt_label`` (one-element int64 tensors). This metric writes the same, so
the tools that read such files (ours or MMAction2's) read ours. It replaces
mmengine's ``DumpResults`` under the same name in the toolkit's registry.
"""

import os
import os.path as osp
import pickle
from typing import Any, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from mmaction.registry import METRICS

from .atomic_io import atomic_write_bytes

#: Keys of a batch's per-video metainfo that 1.x's PackActionInputs keeps by default.
META_KEYS = ('img_shape', 'img_key', 'video_id', 'timestamp')


def _label_tensor(value: Any) -> torch.Tensor:
    tensor = torch.as_tensor(value).detach().cpu()
    return tensor.reshape(-1).to(torch.int64)


def _metainfo(data_batch: Any, index: int) -> dict:
    # PackActionInputs keeps its meta keys per sample; action_collate lists them.
    metas = data_batch.get('img_metas') if isinstance(data_batch, dict) else None
    if not isinstance(metas, (list, tuple)) or index >= len(metas):
        return {}
    meta = metas[index] or {}
    return {key: meta[key] for key in META_KEYS if key in meta}


@METRICS.register_module()
class DumpResults(BaseMetric):
    """Collects every video's prediction and pickles them as MMAction2 1.x's ``--dump`` does.

    A video that could not be read (dataset ``skip_broken=True``) is None.

    Args:
        out_file_path (str): Destination, ending with ``.pkl`` or ``.pickle``.
        collect_device (str): Device for gathering results across processes.
        collect_dir (str, optional): Unused (mmengine's argument, accepted
            for 1.x configs); results are gathered through ``collect_device``.
    """

    default_prefix = 'dump'

    def __init__(
        self, out_file_path: str, collect_device: str = 'cpu', collect_dir: Optional[str] = None
    ) -> None:
        super().__init__(collect_device=collect_device)
        if not str(out_file_path).endswith(('.pkl', '.pickle')):
            raise ValueError(f'DumpResults: {out_file_path!r} must end with .pkl or .pickle')
        self.out_file_path = out_file_path

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each video's prediction as 1.x's ``ActionDataSample.to_dict()`` has it."""
        for index, sample in enumerate(data_samples):
            score = sample.get('pred_score')
            if score is None:
                self.results.append(None)
                continue
            score = torch.as_tensor(score).detach().float().cpu().reshape(-1)
            entry = _metainfo(data_batch, index)
            entry['num_classes'] = int(score.numel())
            entry['pred_score'] = score
            entry['pred_label'] = score.argmax(dim=-1, keepdim=True)
            if sample.get('gt_label') is not None:
                entry['gt_label'] = _label_tensor(sample['gt_label'])
            self.results.append(entry)

    def compute_metrics(self, results: List[Optional[dict]]) -> dict:
        """Write the file (on rank 0) and report no metric."""
        directory = osp.dirname(osp.abspath(self.out_file_path))
        os.makedirs(directory, exist_ok=True)
        atomic_write_bytes(self.out_file_path, pickle.dumps(results, protocol=4))
        return {}
