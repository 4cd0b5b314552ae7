"""Recognizer2D with tiny stand-in parts: frame regrouping, fcn test, chunking."""

import pytest
import torch
from recognizer_standins import TinyBackbone2D, TinyHead, TinyNeck

from mmaction.models import Recognizer2D

NUM_CLASSES = 5
SEGS = 4


def make_model(neck=True, **test_cfg):
    torch.manual_seed(0)
    return Recognizer2D(
        backbone=TinyBackbone2D(num_segments=SEGS),
        neck=TinyNeck(num_classes=NUM_CLASSES) if neck else None,
        cls_head=TinyHead(num_classes=NUM_CLASSES),
        test_cfg=test_cfg,
    ).eval()


def frames(n=2, views=1, size=32, seed=1):
    shape = (n, views * SEGS, 3, size, size)
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def test_loss_with_neck_regroups_frames_into_clips():
    model = make_model().train()
    losses = model(frames(n=2), torch.tensor([[1], [3]]), mode='loss')
    assert set(losses) == {'loss_cls', 'loss_aux', 'top1_acc', 'top5_acc'}
    # the neck sees (N, C, T, H, W) clips of the N videos
    assert model.neck.last_input_shapes == [(2, 8, SEGS, 16, 16), (2, 16, SEGS, 8, 8)]
    sum(v for k, v in losses.items() if 'loss' in k).backward()


def test_loss_without_neck_uses_consensus():
    model = make_model(neck=False).train()
    imgs, label = frames(n=2), torch.tensor([0, 4])
    losses = model(imgs, label, mode='loss')
    score = model.cls_head(model.backbone(imgs.reshape(-1, 3, 32, 32)), SEGS)
    expected = model.cls_head.loss(score, label)['loss_cls']
    torch.testing.assert_close(losses['loss_cls'], expected)


@pytest.mark.parametrize('mode', ['prob', 'score'])
def test_predict_without_neck(mode):
    model = make_model(neck=False, average_clips=mode)
    imgs = frames(n=2)
    with torch.no_grad():
        pred = model(imgs, mode='predict')
        raw = model(imgs, mode='tensor')
    assert raw.shape == (2, NUM_CLASSES)  # consensus over the frames: one score per video
    expected = raw.softmax(dim=1) if mode == 'prob' else raw
    torch.testing.assert_close(pred, expected)


def test_fcn_test_averages_clips():
    model = make_model(average_clips='prob', fcn_test=True)
    imgs = frames(n=2, views=2)  # two clips of SEGS frames per video
    with torch.no_grad():
        pred = model(imgs, mode='predict')
        raw = model(imgs, mode='tensor')
        # each clip alone, as a one-view video
        per_clip = [model(imgs[:, i * SEGS : (i + 1) * SEGS], mode='tensor') for i in range(2)]
    assert raw.shape == (4, NUM_CLASSES)
    torch.testing.assert_close(raw.reshape(2, 2, -1)[:, 0], per_clip[0])
    torch.testing.assert_close(raw.reshape(2, 2, -1)[:, 1], per_clip[1])
    torch.testing.assert_close(pred, raw.reshape(2, 2, -1).softmax(dim=2).mean(dim=1))


def test_fcn_test_flip_and_num_segs():
    imgs = frames(n=1, views=2)
    with torch.no_grad():
        flipped = make_model(average_clips='score', fcn_test=True, flip=True)(imgs, mode='predict')
        manual = make_model(average_clips='score', fcn_test=True)(
            torch.flip(imgs, [-1]), mode='predict'
        )
    torch.testing.assert_close(flipped, manual)
    model = make_model(neck=False, average_clips='score', fcn_test=True, num_segs=8)
    with torch.no_grad():
        assert model(imgs, mode='tensor').shape == (1, NUM_CLASSES)
    with pytest.raises(ValueError, match='num_segs'):
        make_model(average_clips='score', fcn_test=True, num_segs=3)(imgs, mode='predict')


@pytest.mark.parametrize('fcn', [False, True])
def test_max_testing_views_matches_unchunked(fcn):
    views = 2 if fcn else 1
    imgs = frames(n=2, views=views)
    with torch.no_grad():
        full = make_model(average_clips='prob', fcn_test=fcn)(imgs, mode='predict')
        chunked = make_model(average_clips='prob', fcn_test=fcn, max_testing_views=SEGS)(
            imgs, mode='predict'
        )
    torch.testing.assert_close(chunked, full)
    with pytest.raises(ValueError, match='multiple'):
        make_model(average_clips='prob', max_testing_views=SEGS + 1)


def test_feature_extraction():
    imgs = frames(n=2)
    model = make_model(neck=False, feature_extraction=True)
    with torch.no_grad():
        feat = model(imgs, mode='predict')
        f1, f2 = model.backbone(imgs.reshape(-1, 3, 32, 32))
    expected = torch.cat([f1.mean(dim=(2, 3)), f2.mean(dim=(2, 3))], dim=1)
    torch.testing.assert_close(feat, expected.reshape(2, SEGS, -1).mean(dim=1))
    with torch.no_grad():
        assert make_model(feature_extraction=True)(imgs, mode='predict').shape == (2, 16)
    with pytest.raises(ValueError, match='fcn_test'):
        make_model(feature_extraction=True, fcn_test=True)


def test_input_shape_error():
    with pytest.raises(ValueError, match='N, V\\*T, C, H, W'):
        make_model(average_clips='prob')(frames()[0], mode='predict')


def test_val_step_fcn():
    model = make_model(average_clips='prob', fcn_test=True)
    imgs = torch.randint(0, 256, (2, 2 * SEGS, 3, 32, 32), dtype=torch.uint8)
    with torch.no_grad():
        results = model.val_step({'imgs': imgs, 'label': torch.tensor([[1], [2]])})
    assert len(results) == 2
    assert results[0]['pred_score'].shape == (NUM_CLASSES,)
    torch.testing.assert_close(results[1]['pred_score'].sum(), torch.tensor(1.0))
    assert results[1]['gt_label'].tolist() == [2]
