"""Each TPN config of both dialects and its conversion: the same run, without training.

For every config under configs/recognition/tpn (0.x) and
configs/1.x/recognition/tpn (1.x), converted into the other dialect by
``convert_config_file`` (the ``tpn_conversion`` fixture): the same model
(state-dict keys and shapes, normalization, ``average_clips``), the same
learning rate at every iteration, the same Runner arguments, test clips
and metrics. The samples are compared in test_convert_config_samples.py.
"""

import copy
import json

import pytest
import torch

from mmaction.engine import TestOptions, TrainOptions, convert_test_config, convert_train_config
from mmaction.engine.config import convert
from mmaction.engine.config.evaluators import result_key
from mmaction.engine.config.model import runner_model_cfg
from mmaction.engine.model_builder import build_model
from mmaction.registry import MODELS, TRANSFORMS

ITERS_PER_EPOCH = 3


def _train_kwargs(cfg, path, work_dir):
    options = TrainOptions(work_dir=str(work_dir), validate=True, test_last=True)
    return convert_train_config(cfg, path, options)


@pytest.fixture(scope='module')
def built_models():
    """``build(model_cfg)``: each distinct model config built once (on the CPU) per module."""
    cache = {}

    def build(model_cfg):
        key = json.dumps(model_cfg, sort_keys=True, default=repr)
        if key not in cache:
            cache[key] = build_model(model_cfg)
        return cache[key]

    return build


def _structure(model_cfg: dict) -> dict:
    """The model config less what adds no parameter: normalization, test settings, weights.

    An R50 build takes seconds: a pair whose structures are equal builds once.
    """
    model_cfg = runner_model_cfg(model_cfg, testing=True)  # every `pretrained` cleared
    for key in ('data_preprocessor', 'test_cfg'):
        model_cfg.pop(key, None)
    model_cfg['cls_head'].pop('average_clips', None)
    return model_cfg


def _test_settings(model_cfg: dict) -> dict:
    """``test_cfg`` as the recognizer reads it: 1.x's ``cls_head.average_clips`` merged in."""
    settings = dict(model_cfg.get('test_cfg') or {})
    if 'average_clips' in model_cfg['cls_head']:
        settings['average_clips'] = model_cfg['cls_head']['average_clips']
    return settings


def test_the_same_model(tpn_conversion, built_models, tmp_path):
    conv = tpn_conversion
    models = [
        _train_kwargs(cfg, path, tmp_path)['model']
        for cfg, path in ((conv.source_cfg, conv.source), (conv.converted_cfg, conv.converted))
    ]
    built = [built_models(_structure(model)) for model in models]
    shapes = [{k: tuple(v.shape) for k, v in m.state_dict().items()} for m in built]
    assert shapes[0] == shapes[1]
    assert len(shapes[0]) > 100  # a whole TPN recognizer
    source, converted = (MODELS.build(m['data_preprocessor']) for m in models)
    assert torch.equal(source.mean, converted.mean) and torch.equal(source.std, converted.std)
    assert source.to_bgr == converted.to_bgr
    assert _test_settings(models[0]) == _test_settings(models[1])
    assert _test_settings(models[0])['average_clips'] == 'prob'


def test_the_same_learning_rate_at_every_iteration(tpn_conversion, scheduler_lrs, tmp_path):
    conv = tpn_conversion
    rates = []
    for cfg, path in ((conv.source_cfg, conv.source), (conv.converted_cfg, conv.converted)):
        kw = _train_kwargs(cfg, path, tmp_path)
        epochs, lr = kw['train_cfg']['max_epochs'], kw['optim_wrapper']['optimizer']['lr']
        rates.append(scheduler_lrs(kw['param_scheduler'], epochs, ITERS_PER_EPOCH, base_lr=lr))
    assert len(rates[0]) == len(rates[1]) >= 6 * ITERS_PER_EPOCH
    assert rates[1] == pytest.approx(rates[0], rel=1e-12, abs=0)
    assert len(set(rates[0])) > 1  # the schedule changes the rate


def _comparable(kw: dict) -> dict:
    """Runner arguments without what the other tests compare or the dialects name differently."""
    kw = copy.deepcopy(kw)
    for key in ('model', 'notes', 'log_processor', 'param_scheduler'):
        kw.pop(key)
    for split in ('train', 'val', 'test'):
        kw[f'{split}_dataloader'].pop('dataset')  # compared sample by sample
        for metric in kw.get(f'{split}_evaluator', []):
            metric.pop('result_names', None)  # top1_acc (0.x) or acc/top1 (1.x)
    kw['train_cfg'].setdefault('val_begin', 1)  # mmengine's default
    hooks = kw['default_hooks']
    hooks['logger'].pop('ignore_last', None)  # logging only, 0.x has no such option
    hooks['checkpoint'] = _checkpoint_hook(hooks['checkpoint'])
    sync = hooks.pop('sync_buffers', None)  # a custom hook in 0.x
    if sync is not None:
        kw['custom_hooks'].append(sync)
    return kw


def _checkpoint_hook(hook: dict) -> dict:
    """A checkpoint hook with mmengine's defaults written out and 0.x's result names."""
    defaults = dict(by_epoch=True, save_optimizer=True, save_last=True, max_keep_ckpts=-1)
    hook = dict(defaults, **hook)
    # mmengine's 'auto' is the first result: top-1 accuracy for these configs' metrics.
    hook['save_best'] = result_key(hook['save_best'], '0.x').replace('auto', 'top1_acc')
    hook.setdefault('rule', 'greater')  # what mmengine infers for an accuracy
    return hook


def test_the_same_runner_arguments(tpn_conversion, tmp_path):
    conv = tpn_conversion
    source = _train_kwargs(conv.source_cfg, conv.source, tmp_path)
    converted = _train_kwargs(conv.converted_cfg, conv.converted, tmp_path)
    assert _comparable(converted) == _comparable(source)
    assert source['train_dataloader']['batch_size'] == 8


def _sample_frames(kw: dict, split: str):
    pipeline = kw[f'{split}_dataloader']['dataset']['pipeline']
    return TRANSFORMS.build([s for s in pipeline if s['type'] == 'SampleFrames'][0])


@pytest.mark.parametrize('split', ['val', 'test'])
def test_the_same_test_clips(tpn_conversion, tmp_path, split):
    conv = tpn_conversion
    samplers = [
        _sample_frames(_train_kwargs(cfg, path, tmp_path), split)
        for cfg, path in ((conv.source_cfg, conv.source), (conv.converted_cfg, conv.converted))
    ]
    assert samplers[0].test_protocol == samplers[1].test_protocol == conv.dialects[0]
    for total_frames in (7, 64, 300, 1001):
        inds = [s(dict(total_frames=total_frames, start_index=0))['frame_inds'] for s in samplers]
        assert inds[0].tolist() == inds[1].tolist()


def test_the_protocols_differ_where_they_place_clips_differently():
    """The check above can fail: 0.x and 1.x place ten 8-frame clips in 300 frames differently."""
    cfg = dict(type='SampleFrames', clip_len=8, frame_interval=8, num_clips=10, test_mode=True)
    inds = {
        p: TRANSFORMS.build(dict(cfg, test_protocol=p))(dict(total_frames=300, start_index=0))
        for p in ('0.x', '1.x')
    }
    # 0.x: clip i at the middle of segment i of 237 starts; 1.x: evenly from 0 to 243.
    assert inds['0.x']['frame_inds'][::8].tolist() == [11, 35, 59, 82, 106, 130, 154, 177, 201, 225]
    assert inds['1.x']['frame_inds'][::8].tolist() == [0, 27, 54, 81, 108, 135, 162, 189, 216, 243]


def _without_result_names(metric, dialect):
    if metric is not None:
        # Each dialect's own result names: the same values under 0.x's or 1.x's keys.
        assert metric.pop('result_names', '0.x') == dialect
    return metric


def test_the_same_metrics(tpn_conversion, tmp_path):
    conv = tpn_conversion
    tested = [
        _without_result_names(convert.testing_metric_cfg(cfg), dialect)
        for cfg, dialect in zip((conv.source_cfg, conv.converted_cfg), conv.dialects)
    ]
    assert tested[0] == tested[1]  # None for the 0.x configs: they have no eval_config
    validated = [
        _without_result_names(_train_kwargs(cfg, path, tmp_path)['val_evaluator'][0], dialect)
        for cfg, path, dialect in (
            (conv.source_cfg, conv.source, conv.dialects[0]),
            (conv.converted_cfg, conv.converted, conv.dialects[1]),
        )
    ]
    assert validated[0] == validated[1]
    assert validated[0]['metric_list'] == ('top_k_accuracy', 'mean_class_accuracy')
    tests = [
        convert_test_config(cfg, path, TestOptions(out='scores.json'))['test_evaluator']
        for cfg, path in ((conv.source_cfg, conv.source), (conv.converted_cfg, conv.converted))
    ]
    assert [m['type'] for m in tests[0]] == [m['type'] for m in tests[1]]
