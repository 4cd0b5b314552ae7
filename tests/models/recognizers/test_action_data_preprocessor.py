"""ActionDataPreprocessor: casting, channel flip and normalization on dim 2."""

import pytest
import torch

from mmaction.models import ActionDataPreprocessor
from mmaction.registry import MODELS

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def uint8(shape, seed=0):
    return torch.randint(
        0, 256, shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(seed)
    )


@pytest.mark.parametrize('shape', [(2, 3, 3, 4, 8, 8), (2, 8, 3, 8, 8)])
def test_normalizes_channel_axis(shape):
    pre = ActionDataPreprocessor(mean=MEAN, std=STD)
    imgs = uint8(shape)
    label = torch.tensor([[1], [0]])
    out = pre({'imgs': imgs, 'label': label})
    assert out['imgs'].dtype == torch.float32 and out['imgs'].shape == shape
    for c in range(3):
        expected = (imgs[:, :, c].float() - MEAN[c]) / STD[c]
        torch.testing.assert_close(out['imgs'][:, :, c], expected)
    assert torch.equal(out['label'], label)


def test_to_bgr_flips_before_normalizing():
    pre = ActionDataPreprocessor(mean=MEAN, std=STD, to_bgr=True)
    imgs = uint8((1, 2, 3, 4, 4))
    out = pre({'imgs': imgs})['imgs']
    # channel 0 of the output is input channel 2, normalized with MEAN[0]/STD[0]
    torch.testing.assert_close(out[:, :, 0], (imgs[:, :, 2].float() - MEAN[0]) / STD[0])


def test_without_stats_only_casts_and_accepts_float():
    pre = MODELS.build(dict(type='ActionDataPreprocessor'))
    imgs = uint8((1, 1, 3, 2, 4, 4))
    out = pre({'imgs': imgs}, training=True)
    assert torch.equal(out['imgs'], imgs.float())
    floats = torch.randn(1, 4, 3, 4, 4)
    assert torch.equal(pre({'imgs': floats})['imgs'], floats)


def test_stacks_lists_and_keeps_state_dict_empty():
    pre = ActionDataPreprocessor(mean=MEAN, std=STD)
    samples = [uint8((2, 3, 4, 4), seed=i) for i in range(3)]
    out = pre({'imgs': samples, 'label': [torch.tensor([i]) for i in range(3)]})
    assert out['imgs'].shape == (3, 2, 3, 4, 4)
    assert out['label'].shape == (3, 1)
    assert len(pre.state_dict()) == 0


def test_errors():
    with pytest.raises(ValueError, match='together'):
        ActionDataPreprocessor(mean=MEAN)
    with pytest.raises(ValueError, match='same length'):
        ActionDataPreprocessor(mean=MEAN, std=STD[:2])
    pre = ActionDataPreprocessor(mean=MEAN, std=STD)
    with pytest.raises(ValueError, match='channels'):
        pre({'imgs': uint8((1, 2, 4, 4, 4))})
    with pytest.raises(TypeError, match='imgs'):
        pre({'inputs': uint8((1, 2, 3, 4, 4))})


@pytest.mark.parametrize(
    'shape, fold, memory_format',
    [((2, 3, 3, 4, 8, 8), 5, torch.channels_last_3d), ((2, 8, 3, 8, 8), 4, torch.channels_last)],
)
def test_channels_last_changes_the_layout_not_the_values(shape, fold, memory_format):
    imgs = uint8(shape)
    expected = ActionDataPreprocessor(mean=MEAN, std=STD, to_bgr=True)({'imgs': imgs})['imgs']
    pre = ActionDataPreprocessor(mean=MEAN, std=STD, to_bgr=True, channels_last=True)
    out = pre({'imgs': imgs})['imgs']
    assert torch.equal(out, expected)
    # Once the recognizer folds views (and frames) into the batch, the layout is channels-last.
    folded = out.reshape((-1,) + out.shape[2:]) if fold == 5 else out.reshape(-1, *shape[2:])
    assert folded.is_contiguous(memory_format=memory_format)


@pytest.mark.parametrize(
    ('format_shape', 'shape'), [('NCTHW', (2, 3, 3, 4, 8, 8)), ('NCHW', (2, 8, 3, 8, 8))]
)
def test_1x_arguments_give_1x_arithmetic(format_shape, shape):
    # MMAction2 1.x: channels reversed (to_rgb), then (x - mean) / std in float32.
    pre = MODELS.build(
        dict(
            type='ActionDataPreprocessor',
            mean=MEAN,
            std=STD,
            to_rgb=True,
            format_shape=format_shape,
            blending=None,
        )  # fmt: skip
    )
    imgs = uint8(shape)
    out = pre({'imgs': imgs})['imgs']
    for c in range(3):
        expected = (imgs[:, :, 2 - c].float() - MEAN[c]) / STD[c]
        torch.testing.assert_close(out[:, :, c], expected, rtol=0, atol=0)
    # The 0.x spelling of the same flip gives the same batch.
    old = ActionDataPreprocessor(mean=MEAN, std=STD, to_bgr=True)({'imgs': imgs})['imgs']
    assert torch.equal(out, old)


def test_1x_to_float32_and_mix2d3d():
    imgs = uint8((1, 2, 3, 4, 4))
    assert ActionDataPreprocessor(to_float32=False)({'imgs': imgs})['imgs'].dtype == torch.uint8
    assert ActionDataPreprocessor()({'imgs': imgs})['imgs'].dtype == torch.float32
    pre = ActionDataPreprocessor(mean=MEAN, std=STD, format_shape='MIX2d3d')
    assert pre({'imgs': imgs})['imgs'].shape == (1, 2, 3, 4, 4)
    assert pre({'imgs': uint8((1, 2, 3, 2, 4, 4))})['imgs'].shape == (1, 2, 3, 2, 4, 4)


def test_1x_arguments_we_cannot_honour_are_clear_errors():
    with pytest.raises(ValueError, match=r"blending=\{'type': 'MixupBlending'.* is not supported"):
        ActionDataPreprocessor(blending=dict(type='MixupBlending', num_classes=5, alpha=0.2))
    with pytest.raises(ValueError, match="format_shape='NCHW_Flow' is not supported"):
        ActionDataPreprocessor(format_shape='NCHW_Flow')
    with pytest.raises(ValueError, match='to_bgr=True and to_rgb=True'):
        ActionDataPreprocessor(to_bgr=True, to_rgb=True)
    pre = ActionDataPreprocessor(mean=MEAN, std=STD, format_shape='NCHW')
    with pytest.raises(
        ValueError, match=r"format_shape='NCHW' expects 5-d batches, got .*\(1, 2, 3, 2, 4, 4\)"
    ):
        pre({'imgs': uint8((1, 2, 3, 2, 4, 4))})
