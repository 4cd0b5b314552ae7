"""init_recognizer(..., backend='onnxruntime') on the tiny trained synthetic TPN."""

import json

import numpy as np
import pytest
from tpn_run_helpers import CONFIG, decode_video, val_videos

from mmaction.apis import Views, inference_recognizer, inference_recognizers, init_recognizer
from mmaction.utils.errors import ConfigError


@pytest.fixture(scope='module')
def onnx_model(tiny_trained_run):
    return init_recognizer(
        tiny_trained_run.config, tiny_trained_run.checkpoint, 'cpu', backend='onnxruntime'
    )


@pytest.fixture(scope='module')
def torch_model(tiny_trained_run):
    return init_recognizer(tiny_trained_run.config, tiny_trained_run.checkpoint, 'cpu')


@pytest.mark.slow
def test_scores_equal_those_of_the_test_tool(tiny_trained_run, onnx_model, onnx_cache_dir):
    assert onnx_model.backend == 'onnxruntime'
    assert onnx_model.onnx_file.startswith(onnx_cache_dir)
    with open(tiny_trained_run.result_json) as f:
        expected = np.array(json.load(f), dtype=np.float64)  # PyTorch's, tools/test.py --out
    videos = val_videos(tiny_trained_run.data_root)
    results = inference_recognizers(onnx_model, videos, batch_size=3)
    np.testing.assert_allclose([r.scores for r in results], expected, rtol=0, atol=1e-4)
    assert [r.top_k[0].index for r in results] == list(np.argmax(expected, axis=1))


@pytest.mark.slow
def test_same_results_as_pytorch_for_other_views_and_inputs(
    tiny_trained_run, onnx_model, torch_model
):
    labels = f'{tiny_trained_run.data_root}/label_map.txt'
    video = val_videos(tiny_trained_run.data_root)[5]
    for source in (video, decode_video(video)):
        for views in (None, Views(clips=3, crops=10)):
            got = inference_recognizer(onnx_model, source, views=views, label_map=labels)
            want = inference_recognizer(torch_model, source, views=views, label_map=labels)
            np.testing.assert_allclose(got.scores, want.scores, rtol=0, atol=1e-4)
            assert [t.name for t in got.top_k] == [t.name for t in want.top_k]
            assert np.ptp(want.scores) > 1e-3  # not uniform: differences would show


@pytest.mark.slow
def test_features_need_the_pytorch_backend(tiny_trained_run, onnx_model):
    video = val_videos(tiny_trained_run.data_root)[0]
    with pytest.raises(ConfigError) as info:
        inference_recognizer(onnx_model, video, outputs='backbone')
    assert str(info.value) == (
        "outputs='backbone' needs the PyTorch backend: the ONNX Runtime export computes the "
        "class scores only; build the model with init_recognizer(..., backend='pytorch')"
    )


@pytest.mark.parametrize(
    'checkpoint, device, backend, message',
    [
        (
            'x.pth',
            'cuda:0',
            'onnxruntime',
            "backend='onnxruntime' runs on the CPU only, not on cuda:0: pass device='cpu' "
            "(--device cpu), or use backend='pytorch' on the GPU",
        ),
        (
            'x.pth',
            'cpu',
            'tensorrt',
            "backend='tensorrt' is not a backend: choose one of ['pytorch', 'onnxruntime']",
        ),
        (
            'model.onnx',
            'cpu',
            'pytorch',
            "model.onnx is an ONNX export: run it with backend='onnxruntime' "
            '(tools/test.py --onnx), or give the PyTorch checkpoint',
        ),
    ],
)
def test_backend_and_device_are_checked_first(checkpoint, device, backend, message):
    with pytest.raises(ConfigError) as info:
        init_recognizer(CONFIG, checkpoint, device, backend=backend)
    assert str(info.value) == message
