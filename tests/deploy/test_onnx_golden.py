"""The two seed TPN models exported to ONNX reproduce the scores recorded with MMAction2.

Full ResNet-50 models with the golden weights of ``tests/models/test_golden.py``,
exported with a dynamic batch axis and run by ONNX Runtime on the recorded
test input (two videos of two views, 64 px): the view-averaged probabilities
must match MMAction2's to the golden tolerances.
"""

import onnxruntime as ort
import pytest
import torch
from tool_loader import load_tool

from mmaction.deploy.onnx_export import RecognizerPredictor, export_onnx

golden = load_tool('tests/models/test_golden.py', name='golden_reference')


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(golden.CASES))
def test_seed_model_onnx_matches_mmaction2(name, tmp_path):
    ref = torch.load(golden.REF_DIR / f'{name}.golden.pt', weights_only=True)
    model = golden.build_model(name)
    golden.fill_golden_weights(model)
    model.test_cfg['average_clips'] = 'prob'
    imgs = ref['input_test']
    onnx_file = str(tmp_path / f'{name}.onnx')
    export_onnx(RecognizerPredictor(model.eval()), imgs[:1], onnx_file, dynamic_batch=True)

    session = ort.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])
    got = torch.from_numpy(session.run(None, {'input': imgs.numpy()})[0])
    torch.testing.assert_close(got, ref['scores_prob'], rtol=golden.RTOL, atol=golden.ATOL)
