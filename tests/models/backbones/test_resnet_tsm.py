"""ResNetTSM: the 0.x temporal shift, its placement, temporal pooling, keys."""

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from mmaction.models.backbones import ResNet, ResNetTSM
from mmaction.models.backbones.resnet_tsm import TemporalPool, TemporalShift, temporal_shift

REFERENCE = Path(__file__).parents[2] / 'data' / 'reference'


def reference_shift(x, num_segments, shift_div):
    """Element-by-element statement of the MMAction2 0.x shift."""
    n, c, h, w = x.shape
    clips = x.reshape(n // num_segments, num_segments, c, h, w)
    out = torch.empty_like(clips)
    fold = c // shift_div
    for t in range(num_segments):
        for ch in range(c):
            if ch < fold:  # takes the next frame's value
                src = (
                    clips[:, t + 1, ch]
                    if t + 1 < num_segments
                    else torch.zeros_like(clips[:, t, ch])
                )
            elif ch < 2 * fold:  # takes the previous frame's value
                src = clips[:, t - 1, ch] if t >= 1 else torch.zeros_like(clips[:, t, ch])
            else:
                src = clips[:, t, ch]
            out[:, t, ch] = src
    return out.reshape(n, c, h, w)


@pytest.mark.parametrize('num_segments,shift_div,channels', [(8, 8, 16), (4, 4, 10), (3, 8, 7)])
def test_temporal_shift_matches_0x(num_segments, shift_div, channels):
    x = torch.randn(2 * num_segments, channels, 3, 2)
    torch.testing.assert_close(
        temporal_shift(x, num_segments, shift_div), reference_shift(x, num_segments, shift_div)
    )


def test_temporal_shift_direction_on_ramp():
    # Frame t holds value t everywhere; fold = 1 channel each way.
    x = torch.arange(4.0).view(4, 1, 1, 1).expand(4, 4, 1, 1).contiguous()
    out = temporal_shift(x, num_segments=4, shift_div=4)[:, :, 0, 0]
    assert out[:, 0].tolist() == [1, 2, 3, 0]
    assert out[:, 1].tolist() == [0, 0, 1, 2]
    assert out[:, 2].tolist() == [0, 1, 2, 3]


def test_temporal_shift_rejects_partial_clip():
    with pytest.raises(ValueError, match='num_segments=8'):
        temporal_shift(torch.randn(6, 8, 2, 2), 8, 8)


def test_blockres_shift_wraps_first_conv():
    model = ResNetTSM(18, num_segments=4, shift_div=4).eval()
    for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
        for block in layer:
            assert isinstance(block.conv1.conv, TemporalShift)
            assert block.conv1.conv.num_segments == 4 and block.conv1.conv.shift_div == 4
            assert not isinstance(block.conv2.conv, TemporalShift)
    shift_conv = model.layer2[1].conv1.conv
    x = torch.randn(8, 128, 4, 4)
    with torch.no_grad():
        torch.testing.assert_close(shift_conv(x), shift_conv.net(reference_shift(x, 4, 4)))
    assert 'layer1.0.conv1.conv.net.weight' in model.state_dict()


def test_tsm_forward_differs_from_plain_resnet_only_by_shift():
    torch.manual_seed(0)
    tsm = ResNetTSM(18, num_segments=4, out_indices=(2, 3)).eval()
    plain = ResNet(18, out_indices=(2, 3)).eval()
    plain_sd = {k.replace('.net', ''): v for k, v in tsm.state_dict().items()}
    plain.load_state_dict(plain_sd)
    x = torch.randn(8, 3, 32, 32)
    with torch.no_grad():
        out_tsm = tsm(x)
        out_plain = plain(x)
        # Same weights, shift switched off: exactly the plain ResNet.
        no_shift = ResNetTSM(18, num_segments=4, is_shift=False, out_indices=(2, 3)).eval()
        no_shift.load_state_dict(plain.state_dict())
        out_no_shift = no_shift(x)
    assert [o.shape for o in out_tsm] == [(8, 256, 2, 2), (8, 512, 1, 1)]
    assert not torch.allclose(out_tsm[1], out_plain[1])
    torch.testing.assert_close(out_no_shift[1], out_plain[1])


def test_block_shift_place_and_temporal_pool():
    model = ResNetTSM(
        18, num_segments=8, shift_place='block', temporal_pool=True, out_indices=(0, 1, 2, 3)
    )
    assert isinstance(model.layer1[0], TemporalShift)
    assert model.layer1[0].num_segments == 8
    assert model.layer2.net[0].num_segments == 4
    assert 'layer2.net.0.net.conv1.conv.weight' in model.state_dict()
    model.eval()
    with torch.no_grad():
        feats = model(torch.randn(16, 3, 32, 32))
    assert [f.shape[0] for f in feats] == [16, 8, 8, 8]


def test_temporal_pool_is_max_over_three_frames():
    pool = TemporalPool(nn.Identity(), num_segments=4)
    x = torch.randn(8, 64, 2, 2)
    clips = x.view(2, 4, 64, 2, 2)
    # kernel 3, stride 2, padding 1 over 4 frames: windows {0, 1} and {1, 2, 3}
    expected = torch.stack([clips[:, 0:2].amax(1), clips[:, 1:4].amax(1)], dim=1)
    torch.testing.assert_close(pool(x), expected.view(4, 64, 2, 2))


def test_deep_tsm_shifts_every_other_block():
    model = ResNetTSM(101, num_segments=8)
    flags = [isinstance(b.conv1.conv, TemporalShift) for b in model.layer3]
    assert flags == [i % 2 == 0 for i in range(23)]


def test_tsm_r50_keys_match_manifest():
    manifest = json.loads((REFERENCE / 'tpn_tsm_r50_sthv1.keys.json').read_text())
    expected = {
        key[len('backbone.') :]: tuple(shape)
        for key, shape in manifest
        if key.startswith('backbone.')
    }
    model = ResNetTSM(50, num_segments=8, shift_div=8, out_indices=(2, 3))
    got = {key: tuple(t.shape) for key, t in model.state_dict().items()}
    assert got == expected


def test_tsm_rejects_unsupported_options():
    with pytest.raises(ValueError, match='non-local'):
        ResNetTSM(50, non_local=((0, 0, 0), (1, 0, 1, 0), (0,) * 6, (0, 0, 0)))
    with pytest.raises(ValueError, match='shift_place'):
        ResNetTSM(18, shift_place='nowhere')
