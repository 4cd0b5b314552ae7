"""The tiny TPN models under the real inductor backend on the CPU.

Each part the toolkit compiles (backbone, neck with the auxiliary loss,
head) is one graph without breaks, in a training step and in inference;
compiled, a training step (loss, backward, SGD step) and the inference after
it match eager execution.
"""

import copy
from collections import Counter

import pytest
import torch

from mmaction.engine.speed.model_compile import (
    compile_model,
    compiled_parts,
    graph_breaks,
    is_compiled,
)
from mmaction.registry import MODELS

LABELS = torch.tensor([1, 3])


def _model(cfg, order_one_weights):
    torch.manual_seed(0)
    return order_one_weights(MODELS.build(cfg))  # no dropout: eager and compiled draw alike


def _train_step(model, imgs):
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = model(imgs, LABELS, mode='loss')
    assert 'loss_aux' in losses  # the TPN neck's auxiliary head ran in the step
    loss, _ = model.parse_losses(losses)
    loss.backward()
    optimizer.step()
    return loss.detach()


def _predict(model, imgs):
    model.eval()
    with torch.no_grad():
        return model(imgs, mode='predict')


def _part_calls(model, run):
    """The arguments each compiled part is called with while ``run()`` runs."""
    calls, handles = {}, []
    for name in compiled_parts(model):

        def record(module, args, kwargs, name=name):
            calls.setdefault(name, (args, kwargs))

        handles.append(getattr(model, name).register_forward_pre_hook(record, with_kwargs=True))
    try:
        run()
    finally:
        for handle in handles:
            handle.remove()
    return calls


def _explain(model, imgs):
    """(mode, part) -> (graphs, graph breaks) of ``torch._dynamo.explain`` on each compiled forward."""
    found = {}
    for mode, run, grad in (
        ('train', lambda: _train_step(model, imgs), True),
        ('eval', lambda: _predict(model, imgs), False),
    ):
        calls = _part_calls(model, run)
        model.train(mode == 'train')
        for name, (args, kwargs) in calls.items():
            eager_forward = getattr(model, name).forward._eager  # what the toolkit compiled
            with torch.set_grad_enabled(grad):
                explained = torch._dynamo.explain(eager_forward)(*args, **kwargs)
            found[mode, name] = (explained.graph_count, explained.graph_break_count)
    return found


@pytest.mark.slow
@pytest.mark.parametrize('kind', ['slowonly', 'tsm'])
def test_tiny_tpn_compiles_whole_and_matches_eager(
    kind, slowonly_tpn_cfg, tsm_tpn_cfg, order_one_weights
):
    # Frames of 48 pixels, not 32: at 32 the top stage is 1x1 and its training-mode
    # batch norms average 2 to 8 values, which turns float32 rounding (1e-5
    # relative, eager or compiled) into loss differences of 1e-3 (TSM).
    if kind == 'slowonly':
        cfg, imgs = slowonly_tpn_cfg(dict(average_clips='prob')), torch.randn(2, 1, 3, 4, 48, 48)
    else:
        cfg, imgs = tsm_tpn_cfg(dict(average_clips='prob')), torch.randn(2, 4, 3, 48, 48)
    eager = _model(cfg, order_one_weights)
    compiled = copy.deepcopy(eager)
    torch._dynamo.reset()
    before = graph_breaks()
    assert compile_model(compiled, dict(backend='inductor'), 'cpu')

    loss = _train_step(compiled, imgs)
    scores = _predict(compiled, imgs)
    assert is_compiled(compiled)  # no fallback to eager on the way
    assert graph_breaks() - before == Counter()
    torch.testing.assert_close(loss, _train_step(eager, imgs), rtol=1e-4, atol=0)
    torch.testing.assert_close(scores, _predict(eager, imgs), rtol=0, atol=1e-4)

    parts = ('backbone', 'neck', 'cls_head')
    expected = {(mode, part): (1, 0) for mode in ('train', 'eval') for part in parts}
    assert _explain(compiled, imgs) == expected
