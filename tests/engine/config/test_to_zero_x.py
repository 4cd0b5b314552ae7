"""1.x config -> 0.x config (to_zero_x.translate), key by key, on a config that sets every 1.x key."""

import pytest

from mmaction.engine.config.checks import ConfigError
from mmaction.engine.config.contract import ONE_X_KEYS
from mmaction.engine.config.to_zero_x import translate


def _pipeline(test_mode=False):
    return [
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=8, frame_interval=2, num_clips=1, test_mode=test_mode),
        dict(type='DecordDecode'),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs'),
    ]


def _loader(batch_size, ann, shuffle, test_mode=False, **extra):
    dataset = dict(
        type='VideoDataset',
        ann_file=ann,
        data_prefix=dict(video='videos'),
        pipeline=_pipeline(test_mode),
    )
    if test_mode:
        dataset['test_mode'] = True
    sampler = dict(type='DefaultSampler', shuffle=shuffle)
    return dict(batch_size=batch_size, num_workers=2, sampler=sampler, dataset=dataset, **extra)


MODEL = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=18, pretrained=None),
    cls_head=dict(type='TPNHead', num_classes=8, in_channels=64, average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor', mean=[1, 2, 3], std=[4, 5, 6], format_shape='NCTHW'
    ),
    test_cfg=dict(fcn_test=True),
)
TRAINING = dict(
    train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=12, val_begin=3, val_interval=2),
    val_cfg=dict(type='ValLoop'),
    test_cfg=dict(type='TestLoop'),
    optim_wrapper=dict(
        optimizer=dict(type='SGD', lr=0.02, momentum=0.9),
        clip_grad=dict(max_norm=40, norm_type=2),
        accumulative_counts=2,
        paramwise_cfg=dict(norm_decay_mult=0.0),
    ),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.1, begin=0, end=101, by_epoch=False),
        dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11], by_epoch=True),
    ],
    auto_scale_lr=dict(enable=False, base_batch_size=64),
    val_evaluator=dict(type='AccMetric', metric_options=dict(top_k_accuracy=dict(topk=(1, 3)))),
    test_evaluator=[
        dict(type='AccMetric', metric_list=('top_k_accuracy',)),
        dict(type='DumpVideoScores', out_file='scores.json'),
    ],
)
HOOKS = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=5, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=2, max_keep_ckpts=3, save_best='acc/mean1', rule='greater'
    ),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'),
)
RUNTIME = dict(
    default_hooks=HOOKS,
    log_processor=dict(type='LogProcessor', window_size=20, by_epoch=True),
    visualizer=dict(
        type='ActionVisualizer',
        vis_backends=[
            dict(type='LocalVisBackend'),
            dict(type='TensorboardVisBackend', save_dir='tb'),
        ],
    ),
    env_cfg=dict(
        cudnn_benchmark=True,
        mp_cfg=dict(mp_start_method='spawn', opencv_num_threads=1),
        dist_cfg=dict(backend='gloo'),
    ),
    randomness=dict(seed=7, deterministic=True),
    resume=False,
    load_from='pretrained.pth',
    launcher='pytorch',
    default_scope='mmaction',
    model_wrapper_cfg=dict(type='MMDistributedDataParallel', find_unused_parameters=True),
)
#: The toolkit's own keys, the same in both dialects.
SHARED = dict(
    work_dir='work',
    custom_hooks=[dict(type='EmptyCacheHook')],
    log_level='WARNING',
    sync_bn='torch',
    find_unused_parameters=True,
    precision='bf16',
    channels_last=True,
    compile=dict(mode='default'),
    nonfinite_loss='skip',
    load_class_rows='by_name',
)


def _one_x(**overrides) -> dict:
    """A 1.x config that gives every key of the 1.x contract."""
    cfg = dict(
        model=MODEL,
        train_dataloader=_loader(8, 'train.txt', True, persistent_workers=True),
        val_dataloader=_loader(8, 'val.txt', False, True, persistent_workers=True),
        test_dataloader=_loader(1, 'val.txt', False, True),
        **TRAINING,
        **RUNTIME,
        **SHARED,
    )
    cfg.update(overrides)
    return cfg


def test_the_fake_gives_every_1x_key():
    assert set(_one_x()) == set(ONE_X_KEYS)


@pytest.fixture(scope='module')
def zero():
    """``(0.x config, notes)`` of the config that gives every 1.x key."""
    return translate(_one_x())


def test_data_loaders_become_data_with_per_split_overrides(zero):
    data = zero[0]['data']
    assert {k: v for k, v in data.items() if k not in ('train', 'val', 'test')} == dict(
        videos_per_gpu=8,
        workers_per_gpu=2,
        persistent_workers=True,
        # The test loader has 1.x's defaults where the train loader sets something.
        test_dataloader=dict(videos_per_gpu=1, persistent_workers=None),
    )
    assert data['train']['data_prefix'] == 'videos' and 'test_mode' not in data['val']
    for split in ('train', 'val', 'test'):
        types = [step['type'] for step in data[split]['pipeline']]
        assert types[-2:] == ['Collect', 'ToTensor']
        assert data[split]['pipeline'][-2:] == [
            dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
            dict(type='ToTensor', keys=['imgs', 'label']),
        ]
        assert data[split]['pipeline'][1]['test_protocol'] == '1.x'


def test_model_keeps_normalization_and_moves_average_clips(zero):
    model = zero[0]['model']
    assert 'average_clips' not in model['cls_head']
    assert model['test_cfg'] == dict(fcn_test=True, average_clips='prob')
    assert model['data_preprocessor']['mean'] == [1, 2, 3]


def test_optimizer_schedule_and_loops(zero):
    out = zero[0]
    assert out['optimizer'] == dict(
        type='SGD', lr=0.02, momentum=0.9, paramwise_cfg=dict(norm_decay_mult=0.0)
    )
    assert out['optimizer_config'] == dict(
        grad_clip=dict(max_norm=40, norm_type=2), cumulative_iters=2
    )
    assert out['lr_config'] == dict(
        policy='step', step=[8, 11], gamma=0.1, warmup='linear', warmup_ratio=0.1, warmup_iters=100
    )
    assert out['total_epochs'] == 12
    assert out['evaluation'] == dict(
        interval=2,
        start=3,
        metrics=['top_k_accuracy', 'mean_class_accuracy'],
        metric_options=dict(top_k_accuracy=dict(topk=(1, 3))),
        save_best='mean_class_accuracy',
        rule='greater',
    )
    assert out['eval_config'] == dict(metrics=['top_k_accuracy'])
    assert out['output_config'] == dict(out='scores.json')


def test_hooks_logging_environment_and_runtime_keys(zero):
    out, notes = zero
    assert out['checkpoint_config'] == dict(interval=2, max_keep_ckpts=3)
    assert out['log_config'] == dict(
        interval=5, hooks=[dict(type='TextLoggerHook'), dict(type='TensorboardLoggerHook')]
    )
    assert out['custom_hooks'] == [dict(type='EmptyCacheHook'), dict(type='SyncBuffersHook')]
    assert (out['cudnn_benchmark'], out['mp_start_method'], out['opencv_num_threads']) == (
        True,
        'spawn',
        1,
    )
    assert out['dist_params'] == dict(backend='gloo')
    assert (out['seed'], out['deterministic']) == (7, True)
    assert out['load_from'] == 'pretrained.pth' and 'resume_from' not in out
    assert out['find_unused_parameters'] is True
    for key, value in SHARED.items():
        if key != 'custom_hooks':
            assert out[key] == value
    for key in ('default_scope', 'launcher', 'auto_scale_lr', 'visualizer', 'log_processor'):
        assert key not in out
    said = ' '.join(notes)
    for dropped in (
        'default_scope',
        'launcher',
        'log_processor',
        'ignore_last',
        'save_dir',
        'auto_scale_lr',
    ):
        assert dropped in said


@pytest.mark.parametrize(
    'overrides, expected',
    [
        (dict(resume=True), dict(resume_from='pretrained.pth')),
        (dict(resume=True, load_from=None), dict(auto_resume=True)),
        (dict(resume='auto'), dict(auto_resume=True, load_from='pretrained.pth')),
        (dict(resume='ckpt.pth'), dict(resume_from='ckpt.pth', load_from='pretrained.pth')),
    ],
)
def test_resume_forms(overrides, expected):
    out, _ = translate(_one_x(**overrides))
    keys = ('resume_from', 'auto_resume', 'load_from')
    assert {k: out[k] for k in keys if k in out} == expected


def test_amp_wrappers_become_fp16_or_the_precision_key():
    wrapper = dict(type='AmpOptimWrapper', loss_scale=512.0, optimizer=dict(type='SGD', lr=0.1))
    out, _ = translate(_one_x(optim_wrapper=wrapper, precision=None))
    assert out['fp16'] == dict(loss_scale=512.0) and 'precision' not in out
    bf16 = dict(wrapper, dtype='bfloat16')
    out, _ = translate(_one_x(optim_wrapper=bf16, precision=None))
    assert out['precision'] == 'bf16' and 'fp16' not in out


def test_data_root_sampler_and_pack_variants():
    loader = _loader(4, 'lists/train.txt', False)
    loader['dataset'].update(data_root='/data/k400', data_prefix=dict(video='videos'))
    loader['dataset']['pipeline'][-1] = dict(type='PackActionInputs', algorithm_keys=('x',))
    loader['dataset']['pipeline'][1]['test_protocol'] = '0.x'
    out, _ = translate(_one_x(train_dataloader=loader))
    train = out['data']['train']
    assert (train['ann_file'], train['data_prefix']) == (
        '/data/k400/lists/train.txt',
        '/data/k400/videos',
    )
    assert 'data_root' not in train
    assert train['pipeline'][-1] == dict(type='PackActionInputs', algorithm_keys=('x',))
    assert train['pipeline'][1]['test_protocol'] == '0.x'  # an explicit protocol stays
    assert out['data']['train_dataloader'] == dict(shuffle=False)
    assert (
        out['data']['videos_per_gpu'] == 4 and out['data']['val_dataloader']['videos_per_gpu'] == 8
    )


@pytest.mark.parametrize(
    'overrides, message',
    [
        (
            dict(auto_scale_lr=dict(enable=True, base_batch_size=64)),
            'auto_scale_lr.enable=True has no',
        ),
        (dict(randomness=dict(seed=0, diff_rank_seed=True)), '--diff-seed'),
        (dict(test_evaluator=dict(type='DumpResults', out_file_path='a.pkl')), '--dump'),
        (dict(env_cfg=dict(resource_limit=4096)), 'resource_limit'),
        (dict(val_evaluator=dict(type='AccMetric', prefix='val')), r'val_evaluator.prefix'),
        (dict(train_cfg=dict(type='IterBasedTrainLoop', max_iters=10)), 'trains by epochs'),
        (dict(param_scheduler=[dict(type='OneCycleLR', eta_max=0.1)]), 'OneCycleLR'),
        (dict(default_hooks=dict(timer=None)), r'default_hooks.timer=None'),
        (
            dict(optim_wrapper=dict(type='ApexOptimWrapper', optimizer=dict(type='SGD', lr=0.1))),
            'ApexOptimWrapper',
        ),
    ],
)
def test_keys_without_a_0x_form_are_named(overrides, message):
    with pytest.raises(ConfigError, match=message):
        translate(_one_x(**overrides))
