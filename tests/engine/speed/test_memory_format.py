"""Channels-last convolution weights (config key channels_last)."""

import torch
from torch import nn

from mmaction.engine.speed.memory_format import is_channels_last, to_channels_last


def test_2d_and_3d_convolutions_get_their_channels_last_format_in_place():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv3d(4, 8, 3), nn.Linear(8, 2))
    params = list(model.parameters())
    values = [p.detach().clone() for p in params]
    assert not is_channels_last(model)
    assert to_channels_last(model) == 2
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert model[1].weight.is_contiguous(memory_format=torch.channels_last_3d)
    assert is_channels_last(model)
    # Same parameter objects (an optimizer keeps working), same values.
    assert all(a is b for a, b in zip(params, model.parameters()))
    for before, after in zip(values, model.parameters()):
        assert torch.equal(before, after)
    assert to_channels_last(model) == 2  # idempotent


def test_a_model_without_convolutions_is_not_channels_last():
    assert not is_channels_last(nn.Linear(2, 2))
