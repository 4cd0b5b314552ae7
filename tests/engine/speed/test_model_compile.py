"""torch.compile of a model's parts: keys kept, one-line fallback to eager, copies eager."""

import copy

import pytest
import torch
from torch import nn

from mmaction.engine.speed import model_compile
from mmaction.engine.speed.model_compile import (
    CompiledForward,
    check_compiler,
    compile_kwargs,
    compile_model,
    compiled_parts,
    is_compiled,
)
from mmaction.utils.errors import ConfigError


class _Net(nn.Module):
    """A recognizer-shaped module: a data preprocessor and two parts."""

    def __init__(self):
        super().__init__()
        self.data_preprocessor = nn.Identity()
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
        self.cls_head = nn.Linear(4, 2)

    def forward(self, x):
        return self.cls_head(self.backbone(x).mean((2, 3)))


@pytest.fixture
def warnings_logged(monkeypatch):
    lines = []
    monkeypatch.setattr(model_compile, 'print_log', lambda msg, **kwargs: lines.append(msg))
    return lines


def test_config_values():
    assert compile_kwargs(None) is None and compile_kwargs(False) is None
    assert compile_kwargs(True) == {}
    assert compile_kwargs(dict(backend='eager', dynamic=True)) == dict(
        backend='eager', dynamic=True
    )
    with pytest.raises(ConfigError, match='compile: fulgraph is not a torch.compile argument'):
        compile_kwargs(dict(fulgraph=True))
    with pytest.raises(ConfigError, match="compile='yes'"):
        compile_kwargs('yes')
    with pytest.raises(ConfigError, match='nosuch'):
        check_compiler(dict(backend='nosuch'), 'cpu')


def test_parts_are_compiled_and_keys_stay(warnings_logged):
    torch.manual_seed(0)
    net = _Net()
    keys = list(net.state_dict())
    x = torch.randn(2, 3, 8, 8)
    expected = net(x)
    assert compiled_parts(net) == ['backbone', 'cls_head']
    assert compile_model(net, dict(backend='eager'), 'cpu')
    assert isinstance(net.backbone.__dict__['forward'], CompiledForward)
    assert 'forward' not in net.data_preprocessor.__dict__
    assert is_compiled(net) and warnings_logged == []
    torch.testing.assert_close(net(x), expected, rtol=0, atol=0)
    assert list(net.state_dict()) == keys  # no _orig_mod. prefix

    # A deep copy runs its own weights eagerly.
    twin = copy.deepcopy(net)
    assert not is_compiled(twin)
    with torch.no_grad():
        twin.cls_head.bias.add_(1.0)
    torch.testing.assert_close(twin(x), expected + 1.0)
    torch.testing.assert_close(net(x), expected, rtol=0, atol=0)


def test_no_working_compiler_leaves_the_model_eager_with_one_line(warnings_logged):
    def broken(graph_module, example_inputs):
        raise RuntimeError('no C++ compiler')

    net = _Net()
    assert not compile_model(net, dict(backend=broken), 'cpu')
    assert not is_compiled(net) and 'forward' not in net.backbone.__dict__
    assert len(warnings_logged) == 1
    assert 'no C++ compiler' in warnings_logged[0] and 'eagerly' in warnings_logged[0]


def test_inductor_without_a_cpp_compiler_is_found_before_the_model(monkeypatch):
    import torch._inductor.config as inductor_config

    monkeypatch.setattr(inductor_config.cpp, 'cxx', ('/nonexistent/g++',))
    reason = check_compiler({}, 'cpu')
    assert reason is not None and 'InvalidCxxCompiler' in reason and '/nonexistent/g++' in reason


def test_a_compiler_error_on_the_model_falls_back_once(warnings_logged):
    calls = []

    def flaky(graph_module, example_inputs):
        calls.append(1)
        if len(calls) > 1:  # the compiler check passes, the model does not
            raise RuntimeError('backend broke')
        return graph_module.forward

    torch.manual_seed(0)
    net = _Net()
    x = torch.randn(2, 3, 8, 8)
    expected = net(x)
    assert compile_model(net, dict(backend=flaky), 'cpu')
    torch.testing.assert_close(net(x), expected, rtol=0, atol=0)
    torch.testing.assert_close(net(x), expected, rtol=0, atol=0)
    assert len(warnings_logged) == 1 and 'backend broke' in warnings_logged[0]
    assert not is_compiled(net)


def test_graph_breaks_counts_each_break_by_reason():
    def broken(x):
        y = x * 2
        print('a call dynamo cannot trace')  # breaks the graph
        return y + 1

    torch._dynamo.reset()
    before = model_compile.graph_breaks()
    compiled = torch.compile(broken, backend='eager')
    assert torch.equal(compiled(torch.ones(3)), torch.full((3,), 3.0))
    compiled(torch.ones(3))  # the cached graphs: no new break
    breaks = model_compile.graph_breaks() - before
    assert sum(breaks.values()) == 1
    (reason,) = breaks
    assert '`print`' in reason  # dynamo's reason: a dozen lines of explanation and hints
    first = model_compile.first_line(reason)
    assert first and '\n' not in first and reason.startswith(first)
    assert model_compile.first_line('  \n') == ''
