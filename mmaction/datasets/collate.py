"""``action_collate``: mmengine's ``default_collate`` that sets skipped test samples aside."""

from typing import Any, Sequence

from mmengine.dataset import default_collate
from mmengine.registry import FUNCTIONS

from .exceptions import BrokenSample

# Per-sample meta information (``Collect``'s ``meta_name``, ``PackActionInputs``'
# ``img_metas``) is kept as a list of dicts, as 0.x's cpu-only DataContainer
# kept it: default_collate would turn shapes into tensors and fail on
# samples whose meta values differ in length.
META_KEY = 'img_metas'


@FUNCTIONS.register_module()
def action_collate(data_batch: Sequence[Any]) -> Any:
    """Stack a batch of samples, keeping :class:`BrokenSample` entries out of the tensors.

    Without broken samples this is ``default_collate``, except that the
    per-sample meta dicts under ``img_metas`` stay a list of dicts. Otherwise the readable
    samples are stacked as usual and the batch gets two more keys:
    ``broken`` (``[(position in the batch, BrokenSample), ...]``) and
    ``num_samples`` (the batch size including the broken ones), so that the
    test loop can put a placeholder for each broken video in its place. A
    batch of broken samples only has no ``imgs``.

    Args:
        data_batch (Sequence): The samples of one batch (dicts from the
            pipeline, or BrokenSample).

    Returns:
        The collated batch.
    """
    broken = [(pos, item) for pos, item in enumerate(data_batch) if isinstance(item, BrokenSample)]
    readable = [item for item in data_batch if not isinstance(item, BrokenSample)]
    batch = _collate(readable) if readable else {}
    if not broken:
        return batch
    batch['broken'] = broken
    batch['num_samples'] = len(data_batch)
    return batch


def _collate(samples: Sequence[Any]) -> Any:
    if not isinstance(samples[0], dict) or META_KEY not in samples[0]:
        return default_collate(samples)
    metas = [sample[META_KEY] for sample in samples]
    batch = default_collate([{k: v for k, v in s.items() if k != META_KEY} for s in samples])
    batch[META_KEY] = metas
    return batch
