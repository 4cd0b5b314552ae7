"""tools/deployment/pytorch2onnx.py on the tiny trained run's checkpoint, and its error lines."""

import sys

import numpy as np
import onnxruntime as ort
import pytest
import torch
from mmengine.config import Config
from tpn_run_helpers import CONFIG, ROOT, run

from mmaction.engine.config.convert import model_cfg_for_testing
from mmaction.engine.model_builder import build_model
from mmaction.utils import load_checkpoint

TOOL = f'{ROOT}/tools/deployment/pytorch2onnx.py'


def _export(checkpoint, *args, check=True):
    return run([sys.executable, TOOL, CONFIG, checkpoint, *args], check=check)


@pytest.mark.slow
def test_export_verify_and_match_pytorch(tiny_trained_run, tmp_path):
    onnx_file = tmp_path / 'synthetic.onnx'
    out = _export(
        tiny_trained_run.checkpoint, '--output-file', str(onnx_file), '--verify', '--dynamic-export'
    )
    # the synthetic config's test pipeline: one view of 8 frames of 56x56
    assert 'input (1, 1, 3, 8, 56, 56) -> output (1, 8)' in out.stdout
    assert 'Verified with ONNX Runtime' in out.stdout

    # Independent check: PyTorch from the checkpoint, ONNX Runtime at another batch size.
    model = build_model(model_cfg_for_testing(Config.fromfile(CONFIG)))
    load_checkpoint(model, tiny_trained_run.checkpoint, strict=True)
    imgs = torch.randn(2, 1, 3, 8, 56, 56, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        want = model(imgs, mode='predict').numpy()
    session = ort.InferenceSession(str(onnx_file), providers=['CPUExecutionProvider'])
    got = session.run(None, {'input': imgs.numpy()})[0]
    assert got.shape == (2, 8)
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)


def _error_line(proc):
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith('error: ') and 'Traceback' not in proc.stderr, proc.stderr
    return lines[-1]


@pytest.mark.slow
def test_bad_input_gives_one_line(tiny_trained_run, tmp_path):
    ckpt = tiny_trained_run.checkpoint
    onnx_file = tmp_path / 'x.onnx'
    line = _error_line(_export(ckpt, '--shape', '1', '3', '8', '64', '64', check=False))
    assert line == (
        'error: --shape 1 3 8 64 64: Recognizer3D takes (N, V, C, T, H, W), 6 numbers; got 5'
    )

    proc = _export(
        ckpt, '--output-file', str(onnx_file), '--cfg-options', 'model.cls_head.num_classes=5',
        check=False,
    )  # fmt: skip
    line = _error_line(proc)
    assert line.endswith('the TPN auxiliary head scores the same classes, so set both to 5')
    assert not onnx_file.exists()

    proc = _export(
        ckpt, '--output-file', str(onnx_file), '--cfg-options', 'model.cls_head.num_classes=5',
        'model.neck.aux_head_cfg.out_channels=5', check=False,
    )  # fmt: skip
    line = _error_line(proc)
    assert 'does not fit Recognizer3D' in line
    assert 'cls_head.fc_cls.weight (checkpoint [8, 2048], model [5, 2048])' in line
    assert not onnx_file.exists()


@pytest.mark.slow
def test_missing_onnxruntime_names_the_extra(tiny_trained_run, tmp_path):
    # Simulate an environment without onnxruntime: a None entry in sys.modules
    # makes every `import onnxruntime` fail, as if it were not installed.
    script = (
        'import runpy, sys; sys.modules["onnxruntime"] = None; '
        f'sys.argv = sys.argv[1:]; runpy.run_path({TOOL!r}, run_name="__main__")'
    )
    proc = run(
        [sys.executable, '-c', script, TOOL, CONFIG, tiny_trained_run.checkpoint, '--verify',
         '--output-file', str(tmp_path / 'x.onnx')],
        check=False,
    )  # fmt: skip
    assert _error_line(proc) == (
        'error: ONNX export --verify needs the onnxruntime package: pip install -e ".[deploy]"'
    )
    assert not (tmp_path / 'x.onnx').exists()
