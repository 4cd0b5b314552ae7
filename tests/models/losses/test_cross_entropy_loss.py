"""Tests of CrossEntropyLoss and BCELossWithLogits."""

import pytest
import torch
import torch.nn.functional as F

from mmaction.models.losses import BCELossWithLogits, CrossEntropyLoss
from mmaction.registry import MODELS

SCORES = torch.tensor([[2.0, 0.0, -1.0], [0.5, 1.5, 0.0], [0.0, 0.0, 3.0]])
LABELS = torch.tensor([0, 2, 2])
CLASS_WEIGHT = [1.0, 2.0, 0.5]


def test_hard_labels():
    loss = MODELS.build(dict(type='CrossEntropyLoss'))
    torch.testing.assert_close(loss(SCORES, LABELS), F.cross_entropy(SCORES, LABELS))
    weighted = CrossEntropyLoss(loss_weight=0.25)
    torch.testing.assert_close(weighted(SCORES, LABELS), 0.25 * F.cross_entropy(SCORES, LABELS))


def test_hard_labels_class_weight_handmade():
    loss = CrossEntropyLoss(class_weight=CLASS_WEIGHT)
    log_p = F.log_softmax(SCORES, dim=1)
    nll = [-log_p[0, 0], -log_p[1, 2], -log_p[2, 2]]
    weights = [1.0, 0.5, 0.5]
    expected = sum(w * v for w, v in zip(weights, nll)) / sum(weights)
    torch.testing.assert_close(loss(SCORES, LABELS), expected)
    assert list(loss.state_dict()) == []


def test_soft_labels_equal_hard_labels_when_one_hot():
    one_hot = F.one_hot(LABELS, 3).float()
    for kwargs in ({}, dict(class_weight=CLASS_WEIGHT)):
        loss = CrossEntropyLoss(**kwargs)
        torch.testing.assert_close(loss(SCORES, one_hot), loss(SCORES, LABELS))


def test_soft_labels_distribution():
    soft = torch.tensor([[0.5, 0.5, 0.0], [0.0, 0.2, 0.8], [1.0, 0.0, 0.0]])
    expected = -(soft * F.log_softmax(SCORES, dim=1)).sum(dim=1).mean()
    torch.testing.assert_close(CrossEntropyLoss()(SCORES, soft), expected)
    weight = torch.tensor(CLASS_WEIGHT)
    per_sample = -(soft * F.log_softmax(SCORES, dim=1) * weight).sum(dim=1)
    expected_w = per_sample.sum() / (soft * weight).sum()
    torch.testing.assert_close(
        CrossEntropyLoss(class_weight=CLASS_WEIGHT)(SCORES, soft), expected_w
    )


def test_soft_labels_reject_extra_args():
    with pytest.raises(ValueError, match='soft labels'):
        CrossEntropyLoss()(SCORES, torch.full((3, 3), 1 / 3), reduction='sum')


def test_bce_with_logits():
    targets = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    torch.testing.assert_close(
        BCELossWithLogits()(SCORES, targets), F.binary_cross_entropy_with_logits(SCORES, targets)
    )
    weighted = BCELossWithLogits(loss_weight=2.0, class_weight=CLASS_WEIGHT)
    expected = 2.0 * F.binary_cross_entropy_with_logits(
        SCORES, targets, weight=torch.tensor(CLASS_WEIGHT)
    )
    torch.testing.assert_close(weighted(SCORES, targets), expected)


def test_bad_class_weight():
    with pytest.raises(ValueError, match='class_weight'):
        CrossEntropyLoss(class_weight=[[1.0, 2.0]])


def test_label_smoothing_hard_labels_handmade():
    # Two classes, logits (0, 0): log p = log(1/2) for both, so the loss is
    # log 2 whatever the target; use uneven logits to see the smoothing.
    score = torch.tensor([[2.0, 0.0]])
    label = torch.tensor([0])
    eps = 0.2
    log_p = F.log_softmax(score, dim=1)[0]
    # target (1 - eps) * onehot + eps / 2 = (0.9, 0.1)
    expected = -(0.9 * log_p[0] + 0.1 * log_p[1])
    loss = CrossEntropyLoss(label_smoothing=eps)(score, label)
    torch.testing.assert_close(loss, expected)
    assert loss > CrossEntropyLoss()(score, label)


def test_label_smoothing_soft_labels_match_hard_labels():
    torch.manual_seed(0)
    score = torch.randn(4, 5)
    label = torch.tensor([0, 3, 1, 4])
    onehot = F.one_hot(label, 5).float()
    loss_fn = CrossEntropyLoss(label_smoothing=0.1)
    torch.testing.assert_close(loss_fn(score, onehot), loss_fn(score, label))


def test_label_smoothing_out_of_range():
    with pytest.raises(ValueError, match='label_smoothing'):
        CrossEntropyLoss(label_smoothing=1.0)
