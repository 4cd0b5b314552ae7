"""``action_collate``: mmengine's ``default_collate`` that sets skipped test samples aside."""

from typing import Any, Sequence

from mmengine.dataset import default_collate
from mmengine.registry import FUNCTIONS

from .exceptions import BrokenSample


@FUNCTIONS.register_module()
def action_collate(data_batch: Sequence[Any]) -> Any:
    """Stack a batch of samples, keeping :class:`BrokenSample` entries out of the tensors.

    Without broken samples this is ``default_collate``. Otherwise the readable
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
    if not broken:
        return default_collate(data_batch)
    readable = [item for item in data_batch if not isinstance(item, BrokenSample)]
    batch = default_collate(readable) if readable else {}
    batch['broken'] = broken
    batch['num_samples'] = len(data_batch)
    return batch
