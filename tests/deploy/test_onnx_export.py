"""ONNX export of tiny TPN recognizers (3D SlowOnly, 2D TSM), checked against PyTorch."""

import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from mmengine.config import Config

from mmaction.deploy.onnx_export import ExportOptions, check_export_shape, export_recognizer
from mmaction.deploy.onnx_runtime import (
    OnnxMismatchError,
    compare_predictions,
    import_deploy_package,
    verify_onnx,
)
from mmaction.engine.config.convert import model_cfg_for_testing
from mmaction.engine.model_builder import build_model
from mmaction.utils import CheckpointError, ConfigError, MissingPackageError


@pytest.fixture(scope='module')
def model_cfgs(slowonly_tpn_cfg, tpn_neck, tpn_head):
    """``'3d'``: tiny SlowOnly TPN; ``'2d'``: tiny TSM TPN with the seed config's test protocol."""
    # TSM with the test protocol of the seed config: fully convolutional test,
    # twice-sampled segments (2 views of num_segments frames per video).
    tsm = dict(
        type='Recognizer2D',
        backbone=dict(
            type='ResNetTSM',
            depth=18,
            pretrained=None,
            num_stages=3,
            out_indices=(1, 2),
            strides=(1, 2, 2),
            dilations=(1, 1, 1),
            num_segments=4,
            shift_div=4,
        ),
        neck=tpn_neck(128, 256, 4),
        cls_head=tpn_head(),
        test_cfg=dict(average_clips='prob', fcn_test=True),
    )
    return {'3d': slowonly_tpn_cfg(test_cfg=dict(average_clips='prob')), '2d': tsm}


def _checkpoint(model_cfg, path: Path) -> str:
    """Random weights with non-trivial BN statistics, saved as a 0.x checkpoint."""
    torch.manual_seed(0)
    model = build_model(model_cfg_for_testing(dict(model=model_cfg)))
    model.init_weights()
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
    # a classifier far from uniform, so that wrong scores show in the probabilities
    torch.nn.init.normal_(model.cls_head.fc_cls.weight, std=0.5)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path)


def _eager(model_cfg, checkpoint, imgs):
    """PyTorch's prediction, from a model built and loaded here (not by the exporter)."""
    model = build_model(model_cfg_for_testing(dict(model=model_cfg)))
    state = torch.load(checkpoint, weights_only=True)['state_dict']
    model.load_state_dict(state)
    with torch.no_grad():
        return model(imgs, mode='predict').numpy()


def _ort_run(onnx_file, imgs):
    session = ort.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])
    return session.run(None, {'input': imgs.numpy()})[0]


def _op_types(onnx_file):
    return {node.op_type for node in onnx.load(onnx_file).graph.node}


def _batch_dim(onnx_file):
    dim = onnx.load(onnx_file).graph.input[0].type.tensor_type.shape.dim[0]
    return dim.dim_param or dim.dim_value


@pytest.fixture(scope='module')
def exported(tmp_path_factory, model_cfgs):
    """Both tiny models exported once with --verify and --dynamic-export."""
    root = tmp_path_factory.mktemp('onnx')
    out = {}
    for name, shape in (('3d', (1, 2, 3, 4, 32, 32)), ('2d', (1, 8, 3, 32, 32))):
        model_cfg = model_cfgs[name]
        ckpt = _checkpoint(model_cfg, root / f'{name}.pth')
        options = ExportOptions(
            output_file=str(root / f'{name}.onnx'), shape=shape, verify=True, dynamic_export=True
        )
        result = export_recognizer(Config(dict(model=model_cfg)), ckpt, options)
        out[name] = (model_cfg, ckpt, result)
    return out


@pytest.mark.slow
@pytest.mark.parametrize('name, shape', [('3d', (3, 2, 3, 4, 32, 32)), ('2d', (2, 8, 3, 32, 32))])
def test_onnx_matches_pytorch_at_another_batch_size(exported, name, shape, tiny_num_classes):
    model_cfg, ckpt, result = exported[name]
    assert result.max_abs_diff is not None and result.max_abs_diff < 1e-5
    assert result.output_shape == (1, tiny_num_classes)
    assert _batch_dim(result.output_file) == 'batch'

    imgs = torch.randn(shape, generator=torch.Generator().manual_seed(1))
    got = _ort_run(result.output_file, imgs)
    want = _eager(model_cfg, ckpt, imgs)
    assert got.shape == (shape[0], tiny_num_classes)
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
    # average_clips='prob': each row is a mean of softmax rows, a distribution
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)
    # the videos' predictions differ by far more than the tolerance
    assert np.abs(want[0] - want[1]).max() > 1e-4


@pytest.mark.slow
def test_verify_fails_on_a_difference_above_tolerance(exported):
    model_cfg, ckpt, result = exported['3d']
    imgs = torch.randn(1, 2, 3, 4, 32, 32)
    expected = torch.from_numpy(_eager(model_cfg, ckpt, imgs))
    assert verify_onnx(result.output_file, imgs, expected, 'prob') < 1e-5
    shifted = expected.clone()
    shifted[0, 0] += 2e-4
    shifted[0, 1] -= 2e-4  # still a distribution, 2e-4 away
    with pytest.raises(OnnxMismatchError, match=r'differ by up to 0.0002 .*tolerance 0.0001'):
        verify_onnx(result.output_file, imgs, shifted, 'prob')


@pytest.mark.slow
def test_graph_holds_view_averaging_and_no_scatter(exported):
    ops_3d = _op_types(exported['3d'][2].output_file)
    ops_2d = _op_types(exported['2d'][2].output_file)
    assert {'Softmax', 'ReduceMean', 'Conv'} <= ops_3d
    assert {'Softmax', 'ReduceMean', 'Conv', 'Pad', 'Concat'} <= ops_2d
    # the temporal shift exports as slices and padding, not scatter writes
    assert 'ScatterND' not in ops_2d


@pytest.mark.slow
def test_views_are_averaged_in_the_graph(exported):
    """Two identical views give the one-view output; two different views their mean."""
    model_cfg, ckpt, result = exported['3d']
    view_a = torch.randn(1, 1, 3, 4, 32, 32, generator=torch.Generator().manual_seed(2))
    view_b = torch.randn(1, 1, 3, 4, 32, 32, generator=torch.Generator().manual_seed(3))
    session = ort.InferenceSession(result.output_file, providers=['CPUExecutionProvider'])

    def run(imgs):
        return session.run(None, {'input': imgs.numpy()})[0]

    single = [_eager(model_cfg, ckpt, view) for view in (view_a, view_b)]
    both = run(torch.cat([view_a, view_b], dim=1))
    np.testing.assert_allclose(both, (single[0] + single[1]) / 2, atol=1e-5, rtol=0)


@pytest.mark.slow
def test_score_averaging_and_default_shape(tmp_path, model_cfgs, tiny_num_classes):
    """average_clips='score' and no --shape: one video as the test pipeline makes it, static."""
    model_cfg = dict(model_cfgs['3d'], test_cfg=dict(average_clips='score'))
    cfg = Config(
        dict(
            model=model_cfg,
            test_pipeline=[
                dict(type='SampleFrames', clip_len=4, num_clips=2, test_mode=True),
                dict(type='CenterCrop', crop_size=32),
                dict(type='FormatShape', input_format='NCTHW'),
            ],
        )
    )
    ckpt = _checkpoint(model_cfg, tmp_path / 'score.pth')
    options = ExportOptions(output_file=str(tmp_path / 'score.onnx'), verify=True)
    result = export_recognizer(cfg, ckpt, options)
    assert result.input_shape == (1, 2, 3, 4, 32, 32)
    assert result.output_shape == (1, tiny_num_classes)
    assert result.max_abs_diff < 1e-5
    assert _batch_dim(result.output_file) == 1
    assert 'Softmax' not in _op_types(result.output_file)
    imgs = torch.randn(1, 2, 3, 4, 32, 32)
    got = _ort_run(result.output_file, imgs)
    np.testing.assert_allclose(got, _eager(model_cfg, ckpt, imgs), atol=1e-5, rtol=0)
    assert abs(got.sum() - 1.0) > 0.1  # scores, not probabilities


@pytest.mark.parametrize(
    'name, shape, match',
    [
        ('3d', (1, 3, 4, 32, 32), r'takes \(N, V, C, T, H, W\), 6 numbers; got 5'),
        ('3d', (1, 1, 1, 4, 32, 32), 'C=3 input channels'),
        ('3d', (0, 1, 3, 4, 32, 32), 'at least 1'),
        ('2d', (1, 1, 3, 4, 32, 32), r'takes \(N, V\*T, C, H, W\), 5 numbers; got 6'),
        ('2d', (1, 6, 3, 32, 32), 'V\\*T=6 must be a multiple of 4'),
    ],
)
def test_bad_shapes_are_refused(model_cfgs, name, shape, match):
    model = build_model(model_cfg_for_testing(dict(model=model_cfgs[name])))
    with pytest.raises(ConfigError, match=match):
        check_export_shape(model, shape)


def test_shape_the_model_cannot_run_fails_before_export(tmp_path, model_cfgs):
    # Without fcn_test, a 2D TPN takes one view per video: two are refused by PyTorch.
    model_cfg = dict(model_cfgs['2d'], test_cfg=dict(average_clips='prob'))
    ckpt = _checkpoint(model_cfg, tmp_path / 'm.pth')
    out = tmp_path / 'never.onnx'
    options = ExportOptions(output_file=str(out), shape=(1, 8, 3, 32, 32))
    with pytest.raises(ConfigError, match=r'--shape 1 8 3 32 32 does not fit Recognizer2D: Py'):
        export_recognizer(Config(dict(model=model_cfg)), ckpt, options)
    assert not out.exists()


def test_checkpoint_that_does_not_fit_lists_keys(tmp_path, model_cfgs):
    ckpt = _checkpoint(model_cfgs['3d'], tmp_path / 'm.pth')
    cfg = model_cfgs['3d']
    neck = dict(cfg['neck'], aux_head_cfg=dict(cfg['neck']['aux_head_cfg'], out_channels=7))
    other = dict(cfg, neck=neck, cls_head=dict(cfg['cls_head'], num_classes=7))
    options = ExportOptions(output_file=str(tmp_path / 'x.onnx'), shape=(1, 1, 3, 4, 32, 32))
    with pytest.raises(
        CheckpointError,
        match=r'cls_head\.fc_cls\.weight \(checkpoint \[5, 2048\], model \[7, 2048\]\)',
    ):
        export_recognizer(Config(dict(model=other)), ckpt, options)


def test_old_opset_is_refused(tmp_path, model_cfgs):
    ckpt = _checkpoint(model_cfgs['3d'], tmp_path / 'm.pth')
    options = ExportOptions(output_file=str(tmp_path / 'x.onnx'), shape=(1, 1, 3, 4, 32, 32))
    options.opset = 11
    with pytest.raises(ConfigError, match='--opset 11.*opset 18 or newer'):
        export_recognizer(Config(dict(model=model_cfgs['3d'])), ckpt, options)


def test_compare_predictions_on_probabilities():
    probs = np.array([[0.5, 0.5]], dtype=np.float32)
    assert compare_predictions(probs, np.array([[0.25, 0.75]]), 'prob') == pytest.approx(0.25)
    # scores: softmax([0, 0]) = (0.5, 0.5), softmax([0, ln 3]) = (0.25, 0.75)
    scores = np.array([[0.0, np.log(3.0)]])
    assert compare_predictions(np.zeros((1, 2)), scores, 'score') == pytest.approx(0.25)
    # adding a constant to all scores leaves the probabilities alone
    assert compare_predictions(scores + 7.0, scores, 'score') == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(OnnxMismatchError, match='shape'):
        compare_predictions(np.zeros((1, 2)), np.zeros((2, 2)), 'prob')


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, 'onnxruntime', None)
    with pytest.raises(MissingPackageError) as info:
        import_deploy_package('onnxruntime', 'ONNX export --verify')
    assert str(info.value) == (
        'ONNX export --verify needs the onnxruntime package: pip install -e ".[deploy]"'
    )
