"""The run's precision: names, --amp, 0.x's fp16 key, hardware fallbacks, TF32."""

import pytest
import torch

from mmaction.engine.speed import precision as precision_module
from mmaction.engine.speed.precision import Precision, resolve_precision, set_tf32
from mmaction.utils.errors import ConfigError


@pytest.fixture
def bf16_everywhere(monkeypatch):
    """Pretend the device computes bfloat16 natively (CI CPUs may or may not)."""
    monkeypatch.setattr(precision_module, 'bf16_supported', lambda device_type: True)


@pytest.fixture
def no_bf16(monkeypatch):
    monkeypatch.setattr(precision_module, 'bf16_supported', lambda device_type: False)


def test_names_and_what_they_switch(bf16_everywhere):
    cases = {
        'fp32': (None, False),
        'tf32': (None, True),
        'bf16': (torch.bfloat16, True),
        'fp16': (torch.float16, True),
    }
    for name, (dtype, tf32) in cases.items():
        resolved = resolve_precision(name, device_type='cuda')
        assert (resolved.name, resolved.autocast_dtype, resolved.allow_tf32) == (name, dtype, tf32)
        assert resolved.notes == []
    default = resolve_precision(device_type='cuda')
    assert default.name == 'default' and default.allow_tf32 is None
    assert default.autocast_dtype is None


def test_amp_alone_and_the_fp16_key_keep_their_meaning(bf16_everywhere):
    assert resolve_precision(amp=True, device_type='cuda').name == 'fp16'
    assert resolve_precision(amp=True, device_type='cpu').name == 'bf16'
    fp16 = resolve_precision(fp16=dict(loss_scale=512.0), device_type='cuda')
    assert (fp16.name, fp16.loss_scale) == ('fp16', 512.0)
    assert resolve_precision(fp16={}, device_type='cpu').name == 'bf16'


def test_amp_with_a_dtype_wins_over_the_config(bf16_everywhere):
    resolved = resolve_precision('fp32', amp='bf16', device_type='cuda')
    assert resolved.name == 'bf16'
    assert resolved.notes == ["--amp overrides precision='fp32': using bf16."]


def test_hardware_without_the_precision_falls_back_with_one_line(no_bf16):
    for device_type in ('cpu', 'cuda'):
        resolved = resolve_precision('bf16', device_type=device_type)
        assert resolved.name == 'fp32' and resolved.autocast_dtype is None
        assert len(resolved.notes) == 1 and 'no native bfloat16' in resolved.notes[0]
    fp16 = resolve_precision('fp16', device_type='cpu')
    assert fp16.name == 'fp32' and 'needs a CUDA GPU' in fp16.notes[0]
    # --amp alone on a CPU without bfloat16: the same fallback.
    assert resolve_precision(amp=True, device_type='cpu').name == 'fp32'


def test_bad_values_name_the_key():
    with pytest.raises(ConfigError, match="precision='float16' is not a precision"):
        resolve_precision('float16')
    with pytest.raises(ConfigError, match='both fp16='):
        resolve_precision('bf16', fp16=dict(loss_scale=512.0))


def test_autocast_context_casts_matmuls():
    layer = torch.nn.Linear(4, 4)
    with Precision('bf16', 'cpu').autocast():
        assert layer(torch.randn(2, 4)).dtype == torch.bfloat16
    with Precision('fp32', 'cpu').autocast():
        assert layer(torch.randn(2, 4)).dtype == torch.float32


def test_set_tf32_switches_both_flags_and_none_keeps_them():
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    try:
        set_tf32(True)
        assert torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32
        set_tf32(False)
        set_tf32(None)
        assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
