"""The ONNX Runtime backend on tiny TPN recognizers: cached exports, scores equal to PyTorch's."""

import os
import shutil

import numpy as np
import pytest
import torch

from mmaction.deploy.onnx_backend import (
    OnnxBackendOptions,
    load_onnx_recognizer,
    onnx_recognizer,
)
from mmaction.deploy.onnx_export import RecognizerPredictor, export_onnx
from mmaction.engine.input_spec import VideoInputSpec
from mmaction.engine.model_builder import build_model
from mmaction.utils import ConfigError

# One view: a clip of 4 frames (3D) or 4 segments (2D), 32x32.
SPECS = {
    '3d': VideoInputSpec(4, 2, 1, 32, 32, 'NCTHW'),
    '2d': VideoInputSpec(4, 1, 2, 32, 32, 'NCHW'),
}


@pytest.fixture(scope='module')
def model_cfgs(slowonly_tpn_cfg, tsm_tpn_cfg):
    return {
        '3d': slowonly_tpn_cfg(dict(average_clips='prob')),
        '2d': tsm_tpn_cfg(dict(average_clips='prob', fcn_test=True)),
    }


def _save_checkpoint(model_cfg, order_one_weights, path, seed=1):
    model = order_one_weights(build_model(model_cfg), seed)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path)


def _eager(model_cfg, checkpoint):
    """PyTorch's recognizer, loaded here (not by the backend)."""
    model = build_model(model_cfg)
    model.load_state_dict(torch.load(checkpoint, weights_only=True)['state_dict'])
    return model.eval()


@pytest.fixture(scope='module')
def backends(model_cfgs, order_one_weights, tmp_path_factory):
    """Per kind: model config, checkpoint, cache folder and the backend's recognizer."""
    out = {}
    for name, model_cfg in model_cfgs.items():
        root = tmp_path_factory.mktemp(f'backend_{name}')
        ckpt = _save_checkpoint(model_cfg, order_one_weights, root / 'model.pth')
        options = OnnxBackendOptions(cache_dir=str(root / 'cache'))
        recognizer, source = onnx_recognizer(model_cfg, ckpt, SPECS[name], options)
        assert source == 'exported'
        out[name] = (model_cfg, ckpt, options, recognizer)
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    'name, shapes, axes',
    [
        ('3d', [(1, 1, 3, 4, 32, 32), (2, 3, 3, 4, 32, 32)], ['batch', 'views', 3, 4, 32, 32]),
        ('2d', [(1, 4, 3, 32, 32), (2, 12, 3, 32, 32)], ['batch', '4*views', 3, 32, 32]),
    ],
)
def test_scores_equal_pytorch_for_any_batch_and_views(backends, name, shapes, axes):
    model_cfg, ckpt, _, recognizer = backends[name]
    assert recognizer.backend == 'onnxruntime' and recognizer.num_classes == 5
    assert recognizer.input_shape == axes
    eager = _eager(model_cfg, ckpt)
    for seed, shape in enumerate(shapes):
        imgs = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            want = eager(imgs, mode='predict').numpy()
        got = recognizer(imgs, mode='predict').numpy()
        assert got.shape == (shape[0], 5)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
        assert np.abs(want - want.mean(axis=-1, keepdims=True)).max() > 0.05  # not uniform


@pytest.mark.slow
def test_test_step_gives_the_per_video_results_of_pytorch(backends):
    model_cfg, ckpt, _, recognizer = backends['3d']
    imgs = torch.randint(0, 256, (2, 2, 3, 4, 32, 32), generator=torch.Generator().manual_seed(4))
    batch = {'imgs': imgs.to(torch.uint8), 'label': torch.tensor([[3], [1]])}
    want = _eager(model_cfg, ckpt).test_step(batch)
    got = recognizer.test_step(batch)
    assert [r['gt_label'].tolist() for r in got] == [[3], [1]]
    for mine, theirs in zip(got, want):
        assert mine['pred_score'].dtype == torch.float32
        np.testing.assert_allclose(mine['pred_score'], theirs['pred_score'], rtol=0, atol=1e-5)
    with pytest.raises(ConfigError, match="mode='loss' needs the PyTorch backend"):
        recognizer(imgs.float(), batch['label'], mode='loss')


def _entries(cache_dir):
    return sorted(name for name in os.listdir(cache_dir) if name.endswith('.onnx'))


@pytest.mark.slow
def test_export_is_cached_by_checkpoint_bytes(backends, order_one_weights, tmp_path):
    model_cfg, ckpt, options, first = backends['3d']
    spec = SPECS['3d']
    copied = shutil.copy(ckpt, tmp_path / 'renamed.pth')
    again, source = onnx_recognizer(model_cfg, str(copied), spec, options)
    assert source == 'cached' and again.onnx_file == first.onnx_file
    # Another spec of the same frames and size (other views) is the same export.
    more_views = VideoInputSpec(4, 10, 3, 32, 32, 'NCTHW')
    assert onnx_recognizer(model_cfg, ckpt, more_views, options)[1] == 'cached'
    # A damaged entry is exported again.
    with open(first.onnx_file, 'r+b') as f:
        f.seek(100)
        f.write(b'\0\0\0\0')
    assert onnx_recognizer(model_cfg, ckpt, spec, options)[1] == 'exported'
    assert _entries(options.cache_dir) == [os.path.basename(first.onnx_file)]
    # Other weights, or another frame size: other entries.
    other = _save_checkpoint(model_cfg, order_one_weights, tmp_path / 'other.pth', seed=2)
    assert onnx_recognizer(model_cfg, other, spec, options)[1] == 'exported'
    bigger = VideoInputSpec(4, 1, 1, 48, 48, 'NCTHW')
    assert onnx_recognizer(model_cfg, ckpt, bigger, options)[1] == 'exported'
    assert len(_entries(options.cache_dir)) == 3


@pytest.mark.slow
def test_an_exported_file_runs_as_it_is(backends, tmp_path):
    """tools/test.py --onnx: a static export of one video, run video by video."""
    model_cfg, ckpt, _, _ = backends['3d']
    eager = _eager(model_cfg, ckpt)
    onnx_file = str(tmp_path / 'static.onnx')
    export_onnx(RecognizerPredictor(eager), torch.randn(1, 2, 3, 4, 32, 32), onnx_file)
    recognizer = load_onnx_recognizer(model_cfg, onnx_file)
    assert recognizer.input_shape == [1, 2, 3, 4, 32, 32]
    imgs = torch.randn(3, 2, 3, 4, 32, 32, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        want = eager(imgs, mode='predict').numpy()
    np.testing.assert_allclose(recognizer(imgs).numpy(), want, rtol=0, atol=1e-5)

    with pytest.raises(ConfigError) as info:
        recognizer(torch.randn(1, 3, 3, 4, 32, 32))
    assert str(info.value) == (
        f'{onnx_file} takes input (1, 2, 3, 4, 32, 32) but the test pipeline gives '
        '(1, 3, 3, 4, 32, 32): export the model for this pipeline '
        '(tools/deployment/pytorch2onnx.py --shape ...), or use the PyTorch backend'
    )
    scores = dict(model_cfg, test_cfg=dict(average_clips='score'))
    with pytest.raises(ConfigError, match="exported with average_clips='prob' but the config"):
        load_onnx_recognizer(scores, onnx_file)
