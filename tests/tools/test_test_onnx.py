"""tools/test.py --backend onnxruntime and --onnx (0.x) on the tiny trained synthetic TPN."""

import json
import sys

import numpy as np
import pytest
from tool_loader import load_tool
from tpn_run_helpers import CONFIG, ROOT, TEST, run

EXPORT = f'{ROOT}/tools/deployment/pytorch2onnx.py'


def _scores(path):
    with open(path) as f:
        return np.array(json.load(f), dtype=np.float64)


def _test(run_, checkpoint, out, *extra, check=True):
    return run([sys.executable, TEST, run_.config, checkpoint, '--work-dir', str(out.parent),
                '--out', str(out), *extra, '--cfg-options', *run_.cfg_options],
               check=check)  # fmt: skip


@pytest.mark.slow
def test_onnxruntime_backend_gives_the_scores_of_pytorch(tiny_trained_run, tmp_path):
    out = tmp_path / 'ort.json'
    proc = _test(tiny_trained_run, tiny_trained_run.checkpoint, out, '--backend', 'onnxruntime',
                 '--eval', 'top_k_accuracy')  # fmt: skip
    assert 'model:    OnnxRecognizer' in proc.stdout
    expected = _scores(tiny_trained_run.result_json)  # PyTorch's, same command without --backend
    got = _scores(out)
    assert got.shape == expected.shape == (8, 8)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4)
    assert 'top1_acc' in proc.stdout


@pytest.mark.slow
def test_onnx_file_in_place_of_the_checkpoint(tiny_trained_run, tmp_path):
    """0.x's --onnx: an export of pytorch2onnx.py (one video, static shape), video by video."""
    onnx_file = str(tmp_path / 'synthetic.onnx')
    run([sys.executable, EXPORT, CONFIG, tiny_trained_run.checkpoint, '--output-file', onnx_file])
    out = tmp_path / 'onnx.json'
    _test(tiny_trained_run, onnx_file, out, '--onnx')
    np.testing.assert_allclose(
        _scores(out), _scores(tiny_trained_run.result_json), rtol=0, atol=1e-4
    )
    proc = _test(tiny_trained_run, onnx_file, out, '--average-clips', 'score', '--onnx',
                 check=False)  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        f"error: {onnx_file} was exported with average_clips='prob' but the config asks for "
        "'score': export it again with this setting, or pass --average-clips prob"
    )


@pytest.fixture(scope='module')
def test_tool():
    return load_tool('tools/test.py')


@pytest.mark.parametrize(
    'extra, message',
    [
        (
            ['--onnx'],
            '--onnx takes an exported .onnx file in place of the checkpoint, got epoch_2.pth: '
            'export it with tools/deployment/pytorch2onnx.py, or use --backend onnxruntime, '
            'which exports the checkpoint itself',
        ),
        (
            ['--backend', 'onnxruntime', '--amp'],
            '--amp is for PyTorch: ONNX Runtime runs the export in float32',
        ),
        (
            ['--backend', 'onnxruntime', '--channels-last'],
            '--channels-last is for PyTorch: ONNX Runtime runs the export in float32',
        ),
    ],
)
def test_backend_options_are_checked(test_tool, capsys, extra, message):
    with pytest.raises(SystemExit) as info:
        test_tool.parse_args([CONFIG, 'epoch_2.pth', *extra])
    assert info.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(f': error: {message}')


def test_onnx_means_the_onnxruntime_backend(test_tool):
    assert test_tool.parse_args([CONFIG, 'model.onnx', '--onnx']).backend == 'onnxruntime'
    assert test_tool.parse_args([CONFIG, 'epoch_2.pth']).backend == 'pytorch'


def test_an_onnx_file_for_pytorch_is_one_line(test_tool):
    with pytest.raises(SystemExit) as info:
        test_tool.main([CONFIG, 'model.onnx'])
    assert info.value.code == (
        "error: model.onnx is an ONNX export: run it with backend='onnxruntime' "
        '(tools/test.py --onnx), or give the PyTorch checkpoint'
    )
