"""Batches whose videos the main process decodes on the model's device (``PackDeviceDecode``)."""

import torch

from mmaction.datasets.device_decode import decode_video_batch


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of the model's first parameter (the CPU for a model without any)."""
    for tensor in model.parameters():
        return tensor.device
    return torch.device('cpu')


def decode_on_model_device(batch, model: torch.nn.Module):
    """``batch`` with its decoding jobs turned into ``imgs`` on the model's device.

    A batch without jobs (frames decoded in the data-loader workers) is
    returned as it is, so every loop can call this on every batch.
    """
    if isinstance(batch, dict) and 'video' in batch:
        return decode_video_batch(batch, model_device(model))
    return batch
