"""Recognizers with the real (scaled-down) ResNet backbones, TPN neck and TPNHead."""

import pytest
import torch

from mmaction.registry import MODELS


def build(cfg):
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


@pytest.fixture(scope='module')
def slowonly_tpn(slowonly_tpn_cfg):
    return build(slowonly_tpn_cfg(test_cfg=dict(average_clips='prob')))


@pytest.fixture(scope='module')
def tsm_tpn(tsm_tpn_cfg):
    return build(tsm_tpn_cfg(test_cfg=dict(average_clips='prob', fcn_test=True)))


def test_slowonly_tpn_loss_and_predict(slowonly_tpn, tiny_num_classes):
    model = slowonly_tpn.train()
    imgs = torch.randn(2, 1, 3, 4, 32, 32)
    losses = model(imgs, torch.tensor([[1], [4]]), mode='loss')
    assert {'loss_cls', 'loss_aux', 'top1_acc', 'top5_acc'} <= set(losses)
    model.parse_losses(losses)[0].backward()

    model.eval()
    test_imgs = torch.randn(2, 3, 3, 4, 32, 32)
    with torch.no_grad():
        pred = model(test_imgs, mode='predict')
        raw = model(test_imgs, mode='tensor')
        model.max_testing_views = 2
        chunked = model(test_imgs, mode='predict')
        model.max_testing_views = None
    assert pred.shape == (2, tiny_num_classes)
    torch.testing.assert_close(pred, raw.reshape(2, 3, -1).softmax(dim=2).mean(dim=1))
    torch.testing.assert_close(chunked, pred)


def test_tsm_tpn_loss_and_fcn_predict(tsm_tpn, tiny_num_classes):
    model = tsm_tpn.train()
    losses = model(torch.randn(2, 4, 3, 32, 32), torch.tensor([0, 3]), mode='loss')
    assert {'loss_cls', 'loss_aux', 'top1_acc', 'top5_acc'} <= set(losses)

    model.eval()
    imgs = torch.randn(2, 8, 3, 32, 32)  # two clips of 4 segments per video
    with torch.no_grad():
        results = model.val_step({'imgs': imgs, 'label': torch.tensor([[0], [3]])})
        first_clip = model(imgs[:, :4], mode='tensor')
        raw = model(imgs, mode='tensor')
    assert len(results) == 2 and results[0]['pred_score'].shape == (tiny_num_classes,)
    torch.testing.assert_close(raw.reshape(2, 2, -1)[:, 0], first_clip)
    torch.testing.assert_close(
        torch.stack([r['pred_score'] for r in results]),
        raw.reshape(2, 2, -1).softmax(dim=2).mean(dim=1),
    )
