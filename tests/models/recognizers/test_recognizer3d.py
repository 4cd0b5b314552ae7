"""Recognizer3D and the shared BaseRecognizer logic, with tiny stand-in parts."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper
from recognizer_standins import TinyBackbone3D, TinyHead, TinyNeck

from mmaction.models import ActionDataPreprocessor, Recognizer3D
from mmaction.registry import MODELS

NUM_CLASSES = 5


def make_model(neck=True, head=True, **test_cfg):
    torch.manual_seed(0)
    model = Recognizer3D(
        backbone=TinyBackbone3D(),
        neck=TinyNeck(num_classes=NUM_CLASSES) if neck else None,
        cls_head=TinyHead(num_classes=NUM_CLASSES) if head else None,
        test_cfg=test_cfg,
    )
    return model.eval()


def clips(n=2, v=3, t=4, size=32, seed=1):
    return torch.randn(n, v, 3, t, size, size, generator=torch.Generator().manual_seed(seed))


def test_loss_keys_and_backward():
    model = make_model().train()
    imgs = clips(n=2, v=1)
    label = torch.tensor([[1], [3]])  # collated 0.x labels (N, 1)
    losses = model(imgs, label, mode='loss')
    assert set(losses) == {'loss_cls', 'loss_aux', 'top1_acc', 'top5_acc'}
    expected_aux = model.neck.loss_weight * F.cross_entropy(
        model.neck.aux_fc(model.backbone(imgs[:, 0])[0].flatten(2).mean(2)), label[:, 0]
    )
    torch.testing.assert_close(losses['loss_aux'], expected_aux)
    loss, log_vars = model.parse_losses(losses)
    torch.testing.assert_close(loss, losses['loss_cls'] + losses['loss_aux'])
    loss.backward()
    assert model.backbone.stage1[0].weight.grad is not None


def test_loss_repeats_labels_over_views():
    model = make_model(neck=False).train()
    losses = model(clips(n=2, v=2), torch.tensor([0, 4]), mode='loss')
    assert set(losses) == {'loss_cls', 'top1_acc', 'top5_acc'}


def test_loss_needs_label():
    with pytest.raises(ValueError, match='label'):
        make_model()(clips(), mode='loss')


@pytest.mark.parametrize('mode', ['prob', 'score', None])
def test_predict_average_modes(mode):
    model = make_model(average_clips=mode)
    imgs = clips(n=2, v=3)
    with torch.no_grad():
        raw = model(imgs, mode='tensor')
        pred = model(imgs, mode='predict')
    assert raw.shape == (6, NUM_CLASSES)
    per_view = raw.reshape(2, 3, NUM_CLASSES)
    if mode == 'prob':
        torch.testing.assert_close(pred, per_view.softmax(dim=2).mean(dim=1))
        torch.testing.assert_close(pred.sum(dim=1), torch.ones(2))
    elif mode == 'score':
        torch.testing.assert_close(pred, per_view.mean(dim=1))
    else:
        torch.testing.assert_close(pred, per_view)


def test_average_clips_validation():
    with pytest.raises(ValueError, match='average_clips'):
        make_model(average_clips='max')
    with pytest.raises(KeyError, match='average_clips'):
        make_model()(clips(v=1), mode='predict')
    with pytest.raises(ValueError, match='max_testing_views'):
        make_model(average_clips='prob', max_testing_views=0)


@pytest.mark.parametrize('n,chunk', [(1, 2), (2, 4), (2, 5)])
def test_max_testing_views_matches_unchunked(n, chunk):
    imgs = clips(n=n, v=3)
    with torch.no_grad():
        full = make_model(average_clips='prob')(imgs, mode='predict')
        chunked = make_model(average_clips='prob', max_testing_views=chunk)(imgs, mode='predict')
    torch.testing.assert_close(chunked, full)


def test_feature_extraction_without_and_with_neck():
    imgs = clips(n=2, v=3)
    model = make_model(neck=False, head=False, feature_extraction=True)
    with torch.no_grad():
        feat = model(imgs, mode='predict')
        f1, f2 = model.backbone(imgs.reshape((-1,) + imgs.shape[2:]))
    # both stages pooled and concatenated, then averaged over the views
    expected = torch.cat([f1.mean(dim=(2, 3, 4)), f2.mean(dim=(2, 3, 4))], dim=1)
    torch.testing.assert_close(feat, expected.reshape(2, 3, -1).mean(dim=1))

    model = make_model(feature_extraction=True, max_testing_views=2)
    with torch.no_grad():
        assert model(imgs, mode='predict').shape == (2, 16)
        assert model(imgs, mode='tensor').shape == (2, 16)


def test_predict_without_head_is_an_error():
    with pytest.raises(ValueError, match='cls_head'):
        make_model(head=False, average_clips='prob')(clips(), mode='predict')


def test_invalid_mode_and_input_shape():
    model = make_model(average_clips='prob')
    with pytest.raises(ValueError, match='mode'):
        model(clips(), mode='bogus')
    with pytest.raises(ValueError, match='N, V, C, T, H, W'):
        model(clips()[:, 0], mode='predict')


def test_0x_api():
    model = make_model(average_clips='score')
    imgs, label = clips(n=2, v=2), torch.tensor([[1], [2]])
    with torch.no_grad():
        scores = model(imgs, return_loss=False)
        expected = model(imgs, mode='predict')
    assert isinstance(scores, np.ndarray) and scores.shape == (2, NUM_CLASSES)
    np.testing.assert_allclose(scores, expected.numpy(), rtol=1e-6)
    losses = model.train()(imgs[:, :1], label, return_loss=True)
    assert 'loss_cls' in losses and 'loss_aux' in losses


def test_val_step_output_format():
    model = Recognizer3D(
        backbone=TinyBackbone3D(),
        neck=TinyNeck(num_classes=NUM_CLASSES),
        cls_head=TinyHead(num_classes=NUM_CLASSES),
        test_cfg=dict(average_clips='prob'),
        data_preprocessor=dict(mean=[120.0, 110.0, 100.0], std=[50.0, 60.0, 70.0]),
    ).eval()
    imgs = torch.randint(0, 256, (3, 2, 3, 4, 32, 32), dtype=torch.uint8)
    label = torch.tensor([[0], [4], [2]])
    with torch.no_grad():
        results = model.val_step({'imgs': imgs, 'label': label})
        normalized = model.data_preprocessor({'imgs': imgs})['imgs']
        expected = model(normalized, mode='predict')
    assert isinstance(results, list) and len(results) == 3
    for i, res in enumerate(results):
        assert set(res) == {'pred_score', 'gt_label'}
        assert res['pred_score'].shape == (NUM_CLASSES,)
        assert res['pred_score'].dtype == torch.float32
        assert res['pred_score'].device.type == 'cpu'
        torch.testing.assert_close(res['pred_score'], expected[i])
        assert torch.equal(res['gt_label'], label[i])
    unlabeled = model.test_step({'imgs': imgs})
    assert len(unlabeled) == 3 and set(unlabeled[0]) == {'pred_score'}


def test_train_step_updates_parameters():
    model = make_model().train()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    before = model.cls_head.fc_cls.weight.detach().clone()
    log_vars = model.train_step({'imgs': clips(n=2, v=1), 'label': torch.tensor([[1], [2]])}, optim)
    assert {'loss', 'loss_cls', 'loss_aux', 'top1_acc'} <= set(log_vars)
    assert not torch.equal(before, model.cls_head.fc_cls.weight)


def test_build_from_config_and_init_weights():
    for cls in (TinyBackbone3D, TinyNeck, TinyHead):
        MODELS.register_module(name=f'_Recog3DTest{cls.__name__}', module=cls, force=True)
    cfg = dict(
        type='Recognizer3D',
        backbone=dict(type='_Recog3DTestTinyBackbone3D'),
        neck=dict(type='_Recog3DTestTinyNeck', num_classes=NUM_CLASSES),
        cls_head=dict(type='_Recog3DTestTinyHead', num_classes=NUM_CLASSES),
        train_cfg=None,
        test_cfg=dict(average_clips='prob'),
    )
    model = MODELS.build(cfg)
    assert isinstance(model.data_preprocessor, ActionDataPreprocessor)
    assert model.with_neck and model.with_cls_head
    assert isinstance(model.backbone, TinyBackbone3D)
    model.init_weights()
    assert (model.backbone.init_calls, model.neck.init_calls, model.cls_head.init_calls) == (
        1,
        1,
        1,
    )
    # the preprocessor has no persistent state: checkpoints keep MMAction2's keys
    assert not any(k.startswith('data_preprocessor') for k in model.state_dict())
    with pytest.raises(KeyError, match='type'):
        Recognizer3D(backbone=dict(depth=18))


class _LastStage(TinyBackbone3D):
    """The stand-in backbone's last feature map only, as TPN's neck gives the head one."""

    def forward(self, x):
        return super().forward(x)[-1]


def _tpn_like_model(test_cfg, **head_cfg):
    torch.manual_seed(0)
    return Recognizer3D(
        backbone=_LastStage(),
        cls_head=dict(type='TPNHead', num_classes=NUM_CLASSES, in_channels=16, **head_cfg),
        test_cfg=test_cfg,
    ).eval()


def test_average_clips_from_the_head_or_test_cfg():
    imgs = clips(n=2, v=3)
    old = _tpn_like_model(dict(average_clips='prob'))
    new = _tpn_like_model(None, average_clips='prob')
    assert new.test_cfg == {'average_clips': 'prob'}
    with torch.no_grad():
        expected = F.softmax(old(imgs, mode='tensor').reshape(2, 3, -1), dim=2).mean(dim=1)
        torch.testing.assert_close(new(imgs, mode='predict'), expected)
        torch.testing.assert_close(old(imgs, mode='predict'), expected)
    # Both given and equal is fine; both given and different is one clear error.
    assert _tpn_like_model(dict(average_clips='score'), average_clips='score').test_cfg == {
        'average_clips': 'score'
    }
    with pytest.raises(
        ValueError,
        match=r"cls_head.average_clips='prob' \(1.x\) and test_cfg.average_clips='score' \(0.x\)",
    ):
        _tpn_like_model(dict(average_clips='score'), average_clips='prob')
    # 1.x's average_clips=None: the scores of every view.
    with torch.no_grad():
        assert _tpn_like_model(None, average_clips=None)(imgs, mode='predict').shape == (2, 3, 5)


def test_fcn_test_of_1x_tpn_configs():
    imgs = clips(n=2, v=3)
    plain = _tpn_like_model(dict(average_clips='score'))
    fcn = _tpn_like_model(dict(fcn_test=True), average_clips='score')
    with torch.no_grad():
        # The fc as a 1x1x1 convolution over the pooled clip: the same scores.
        torch.testing.assert_close(fcn(imgs, mode='tensor'), plain(imgs, mode='tensor'))
        torch.testing.assert_close(fcn(imgs, mode='predict'), plain(imgs, mode='predict'))
    no_pool = _tpn_like_model(dict(fcn_test=True, average_clips='score'), spatial_type=None)
    with pytest.raises(ValueError, match='fcn_test gives .* scores per view for 5 classes'):
        no_pool(imgs, mode='predict')
