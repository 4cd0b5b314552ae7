"""The two seed TPN models on the ONNX Runtime backend reproduce the scores recorded with MMAction2.

Full ResNet-50 models with the golden weights of ``tests/models/test_golden.py``,
saved as a checkpoint and run by the ``onnxruntime`` backend (its export has
dynamic batch and view axes) on the recorded test input (two videos of two
views, 64 px): the view-averaged probabilities must match MMAction2's to the
golden tolerances, and PyTorch's (this toolkit's eager model) within 1e-4.
"""

import pytest
import torch
from mmengine import Config
from tool_loader import load_tool

from mmaction.deploy.onnx_backend import OnnxBackendOptions, onnx_recognizer
from mmaction.engine.input_spec import VideoInputSpec

golden = load_tool('tests/models/test_golden.py', name='golden_reference')

#: Frames of a view of each recorded input, and its layout.
VIEWS = {'tpn_slowonly_r50_k400': (8, 'NCTHW'), 'tpn_tsm_r50_sthv1': (8, 'NCHW')}


def _model_cfg(name: str) -> dict:
    """The model config ``golden.build_model`` builds, as the backend takes it."""
    config_file, _, extra_test_cfg = golden.CASES[name]
    model_cfg = Config.fromfile(str(golden.CONFIG_DIR / config_file)).model.to_dict()
    model_cfg['backbone']['pretrained'] = None
    model_cfg['test_cfg'] = dict(model_cfg.get('test_cfg') or {}, **extra_test_cfg)
    model_cfg['test_cfg']['average_clips'] = 'prob'
    return model_cfg


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(golden.CASES))
def test_seed_model_onnx_matches_mmaction2(name, tmp_path):
    ref = torch.load(golden.REF_DIR / f'{name}.golden.pt', weights_only=True)
    model = golden.build_model(name)
    golden.fill_golden_weights(model)
    checkpoint = str(tmp_path / f'{name}.pth')
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    imgs = ref['input_test']
    frames, layout = VIEWS[name]
    spec = VideoInputSpec(frames, 1, 1, imgs.shape[-2], imgs.shape[-1], layout)
    options = OnnxBackendOptions(cache_dir=str(tmp_path / 'cache'))
    recognizer, _ = onnx_recognizer(_model_cfg(name), checkpoint, spec, options)

    got = recognizer(imgs)
    torch.testing.assert_close(got, ref['scores_prob'], rtol=golden.RTOL, atol=golden.ATOL)
    model.test_cfg['average_clips'] = 'prob'
    with torch.no_grad():
        eager = model.eval()(imgs, mode='predict')
    assert (got - eager).abs().max() < 1e-4
