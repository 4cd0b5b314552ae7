"""Tests of TPNHead / TSNHead: forward paths, fcn test, loss and accuracies."""

import math

import pytest
import torch

from mmaction.models.heads import AvgConsensus, TPNHead, TSNHead
from mmaction.models.heads.base import top_k_accuracy
from mmaction.registry import MODELS


def make_head(**kwargs):
    torch.manual_seed(0)
    cfg = dict(num_classes=6, in_channels=16, dropout_ratio=0.5)
    cfg.update(kwargs)
    return TPNHead(**cfg)


def test_build_and_keys():
    head = MODELS.build(dict(type='TPNHead', num_classes=6, in_channels=16))
    assert list(head.state_dict()) == ['fc_cls.weight', 'fc_cls.bias']
    assert isinstance(head.consensus, AvgConsensus)
    assert isinstance(head.dropout, torch.nn.Dropout) and head.dropout.p == 0.4
    assert make_head(dropout_ratio=0).dropout is None
    assert torch.equal(head.fc_cls.bias, torch.zeros(6))
    assert 0.005 < head.fc_cls.weight.std().item() < 0.015


def test_forward_3d_and_segments():
    head = make_head().eval()
    x = torch.randn(3, 16, 2, 4, 4)
    scores = head(x)
    assert scores.shape == (3, 6)
    torch.testing.assert_close(scores, head.fc_cls(x.mean(dim=(2, 3, 4))))
    # 4-d per-segment features: spatial mean, then mean over the segments.
    seg = torch.randn(3 * 4, 16, 4, 4)
    pooled = seg.mean(dim=(2, 3)).reshape(3, 4, 16).mean(dim=1)
    torch.testing.assert_close(head(seg, num_segs=4), head.fc_cls(pooled))
    # Recognizer2D after TPN: (N, C, 1, H, W) squeezed to (N, C, H, W), num_segs=1.
    x2 = torch.randn(3, 16, 1, 4, 4)
    torch.testing.assert_close(head(x2.squeeze(2), num_segs=1), head(x2))


def test_spatial_size_may_change_between_calls():
    head = make_head().eval()
    assert head(torch.randn(2, 16, 7, 7), num_segs=1).shape == (2, 6)
    assert head(torch.randn(2, 16, 3, 3), num_segs=1).shape == (2, 6)


def test_fcn_test_matches_normal_path():
    head = make_head().eval()
    x = torch.randn(4, 16, 2, 3, 3)
    fcn = head(x, fcn_test=True)
    assert fcn.shape == (4, 6, 1, 1, 1)
    torch.testing.assert_close(fcn.flatten(1), head(x))
    # A 1x1x1 map: the conv is exactly the fc.
    x1 = torch.randn(4, 16, 1, 1, 1)
    torch.testing.assert_close(head(x1, fcn_test=True).flatten(1), head.fc_cls(x1.flatten(1)))


def test_fcn_test_follows_fc_updates_and_adds_no_keys():
    head = make_head().eval()
    x = torch.randn(2, 16, 1, 2, 2)
    head(x, fcn_test=True)
    with torch.no_grad():
        head.fc_cls.bias.add_(1.0)
    torch.testing.assert_close(head(x, fcn_test=True).flatten(1), head(x))
    assert list(head.state_dict()) == ['fc_cls.weight', 'fc_cls.bias']


def test_fcn_test_without_pooling_gives_a_score_map():
    head = make_head(spatial_type=None).eval()
    avg_head = make_head().eval()
    avg_head.load_state_dict(head.state_dict())
    x = torch.randn(2, 16, 2, 3, 3)
    score_map = head(x, fcn_test=True)
    assert score_map.shape == (2, 6, 2, 3, 3)
    # The fc is linear, so averaging the map equals classifying the average.
    torch.testing.assert_close(score_map.mean(dim=(2, 3, 4)), avg_head(x))
    with pytest.raises(ValueError, match='spatial_type'):
        head(x)


def test_top_k_accuracy_handmade():
    scores = [[0.1, 0.5, 0.4, 0.0], [0.9, 0.05, 0.03, 0.02], [0.2, 0.3, 0.1, 0.4]]
    labels = [2, 0, 0]
    # Sample 0: label ranked 2nd; sample 1: 1st; sample 2: 3rd.
    assert top_k_accuracy(scores, labels, (1, 2, 3, 4)) == [1 / 3, 2 / 3, 1.0, 1.0]
    assert top_k_accuracy(scores, labels, (10,)) == [1.0]


def test_loss_single_label():
    head = make_head(num_classes=4, topk=(1, 2))
    scores = torch.tensor([[0.1, 0.5, 0.4, 0.0], [0.9, 0.05, 0.03, 0.02], [0.2, 0.3, 0.1, 0.4]])
    labels = torch.tensor([2, 0, 0])
    losses = head.loss(scores, labels)
    assert set(losses) == {'loss_cls', 'top1_acc', 'top2_acc'}
    assert losses['top1_acc'].item() == pytest.approx(1 / 3)
    assert losses['top2_acc'].item() == pytest.approx(2 / 3)
    expected = (
        -sum(
            math.log(math.exp(s[y]) / sum(math.exp(v) for v in s))
            for s, y in zip(scores.tolist(), labels.tolist())
        )
        / 3
    )
    assert losses['loss_cls'].item() == pytest.approx(expected, rel=1e-6)


def test_loss_batch_of_one_after_squeeze():
    head = make_head(num_classes=4)
    scores = torch.tensor([[0.0, 2.0, 0.0, 0.0]])
    losses = head.loss(scores, torch.tensor([[1]]).squeeze())
    assert losses['top1_acc'].item() == 1.0
    # A squeezed soft label of one sample gets its batch axis back.
    soft = torch.tensor([0.0, 1.0, 0.0, 0.0])
    soft_losses = head.loss(scores, soft)
    assert set(soft_losses) == {'loss_cls'}
    torch.testing.assert_close(soft_losses['loss_cls'], losses['loss_cls'])


def test_label_smoothing_applies_to_multi_class_only():
    scores = torch.tensor([[1.0, -1.0, 0.5], [0.0, 2.0, -2.0]])
    multi_hot = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    head = make_head(
        num_classes=3,
        multi_class=True,
        label_smooth_eps=0.3,
        loss_cls=dict(type='BCELossWithLogits'),
    )
    losses = head.loss(scores, multi_hot)
    assert set(losses) == {'loss_cls'}
    smoothed = 0.7 * multi_hot + 0.1
    expected = torch.nn.functional.binary_cross_entropy_with_logits(scores, smoothed)
    torch.testing.assert_close(losses['loss_cls'], expected)
    # Single-label heads ignore label_smooth_eps, as MMAction2 0.x does.
    single = make_head(num_classes=3, label_smooth_eps=0.3, topk=1)
    labels = torch.tensor([0, 1])
    torch.testing.assert_close(
        single.loss(scores, labels)['loss_cls'],
        torch.nn.functional.cross_entropy(scores, labels),
    )


def test_loss_weight_of_head_loss():
    head = make_head(num_classes=3, loss_cls=dict(type='CrossEntropyLoss', loss_weight=2.0))
    scores = torch.tensor([[1.0, 0.0, 0.0]])
    labels = torch.tensor([0])
    expected = 2.0 * torch.nn.functional.cross_entropy(scores, labels)
    torch.testing.assert_close(head.loss(scores, labels)['loss_cls'], expected)


def test_bad_topk():
    with pytest.raises(ValueError, match='topk'):
        make_head(topk=(0, 1))
    with pytest.raises(TypeError, match='topk'):
        make_head(topk=[1, 5])


def test_tsn_head_forward():
    head = TSNHead(num_classes=5, in_channels=8, dropout_ratio=0).eval()
    x = torch.randn(2 * 3, 8, 4, 4)
    pooled = x.mean(dim=(2, 3)).reshape(2, 3, 8).mean(dim=1)
    torch.testing.assert_close(head(x, 3), head.fc_cls(pooled))


def test_average_clips_on_the_head_as_1x():
    head = MODELS.build(dict(type='TPNHead', num_classes=4, in_channels=8, average_clips='prob'))
    assert head.average_clips == 'prob'
    assert repr(make_head().average_clips) == 'unset'
    with pytest.raises(ValueError, match="average_clips='mean' is not supported"):
        make_head(average_clips='mean')
