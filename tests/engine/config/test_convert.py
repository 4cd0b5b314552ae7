"""0.x config -> mmengine Runner arguments, on the seed configs and small fakes."""

import os.path as osp

import pytest
from mmengine.config import Config

from mmaction.engine import (
    ConfigError,
    TestOptions,
    TrainOptions,
    convert_test_config,
    convert_train_config,
)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
TPN_DIR = osp.join(ROOT, 'configs', 'recognition', 'tpn')
SLOWONLY = osp.join(TPN_DIR, 'tpn_slowonly_r50_8x8x1_150e_kinetics_rgb.py')
IMAGENET = osp.join(TPN_DIR, 'tpn_imagenet_pretrained_slowonly_r50_8x8x1_150e_kinetics_rgb.py')
TSM = osp.join(TPN_DIR, 'tpn_tsm_r50_1x1x8_150e_sthv1_rgb.py')
SYNTHETIC = osp.join(TPN_DIR, 'tpn_slowonly_r18_synthetic_rgb.py')


def _fake_cfg(**overrides) -> Config:
    pipeline = [
        dict(type='SampleFrames', clip_len=4, frame_interval=1, num_clips=1),
        dict(type='Normalize', mean=[1, 2, 3], std=[4, 5, 6], to_bgr=False),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
        dict(type='ToTensor', keys=['imgs', 'label']),
    ]
    split = dict(type='VideoDataset', ann_file='a.txt', data_prefix='d', pipeline=pipeline)
    cfg = dict(
        model=dict(type='Recognizer3D', backbone=dict(type='X'), test_cfg=None),
        data=dict(videos_per_gpu=4, workers_per_gpu=2, train=split, val=split, test=split),
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, paramwise_cfg=dict(norm_decay_mult=0)),
        optimizer_config=dict(grad_clip=None),
        lr_config=dict(policy='step', step=[2]),
        total_epochs=3,
        checkpoint_config=dict(interval=1),
        log_config=dict(interval=5, hooks=[dict(type='TextLoggerHook')]),
    )
    cfg.update(overrides)
    return Config(cfg)


def test_seed_slowonly_config_converts():
    cfg = Config.fromfile(SLOWONLY)
    kw = convert_train_config(cfg, SLOWONLY, TrainOptions(validate=True, test_last=True))
    assert kw['train_cfg'] == dict(
        type='ResumableTrainLoop', max_epochs=150, nonfinite_loss='stop', val_interval=5
    )
    assert kw['optim_wrapper'] == dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001, nesterov=True),
        clip_grad=dict(max_norm=40, norm_type=2),
    )
    assert kw['param_scheduler'] == [
        dict(type='MultiStepLR', milestones=[75, 125], gamma=0.1, by_epoch=True)
    ]
    train, test = kw['train_dataloader'], kw['test_dataloader']
    assert (train['batch_size'], train['num_workers']) == (8, 8)
    assert train['sampler'] == dict(type='ResumableSampler', shuffle=True)
    assert train['worker_init_fn'] == dict(type='ignore_stop_signals')
    assert test['batch_size'] == 1 and test['sampler']['shuffle'] is False
    assert test['dataset']['test_mode'] is True and kw['val_dataloader']['dataset']['test_mode']
    assert train['collate_fn'] == dict(type='action_collate')
    # Normalize moved to the model (only layout transforms follow it in all splits).
    assert kw['model']['data_preprocessor'] == dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_bgr=False,
    )
    for loader in (train, kw['val_dataloader'], test):
        assert 'Normalize' not in [t['type'] for t in loader['dataset']['pipeline']]
    assert kw['default_hooks']['checkpoint']['save_best'] == 'top1_acc'
    assert kw['default_hooks']['checkpoint']['rule'] == 'greater'
    assert kw['default_hooks']['logger'] == dict(type='LoggerHook', interval=20)
    accuracy, broken, report = kw['val_evaluator']
    assert accuracy['type'] == 'AccMetric'
    assert accuracy['metric_list'] == ('top_k_accuracy', 'mean_class_accuracy')
    assert broken['type'] == 'BrokenVideoReport'
    # A validation's report waits for the hook, which writes the best epoch's.
    assert report == dict(type='PerClassReport', out_dir=None)
    assert kw['custom_hooks'][-1] == dict(
        type='ClassReportHook', out_dir=osp.join(kw['work_dir'], 'class_report_val')
    )
    assert (kw['val_cfg']['type'], kw['test_cfg']['type']) == ('ActionValLoop', 'ActionTestLoop')
    assert kw['work_dir'] == './work_dirs/tpn_slowonly_r50_8x8x1_150e_kinetics400_rgb'
    assert kw['load_from'] is None and kw['resume'] is False


def test_seed_configs_keep_their_0x_content():
    imagenet = Config.fromfile(IMAGENET)
    assert imagenet.model.backbone.pretrained == 'torchvision://resnet50'
    assert Config.fromfile(SLOWONLY).model.backbone.pretrained is None
    tsm = Config.fromfile(TSM)
    assert tsm.model.type == 'Recognizer2D'
    for split in ('train', 'val', 'test'):
        assert tsm.data[split].filename_tmpl == '{:05}.jpg'
    flip = [t for t in tsm.data.train.pipeline if t['type'] == 'Flip'][0]
    assert flip['flip_label_map'] == {2: 4, 4: 2, 30: 41, 41: 30, 52: 66, 66: 52}
    assert tsm.optimizer_config.grad_clip.max_norm == 20
    assert tsm.test_pipeline[0]['twice_sample'] is True


def test_tsm_seed_converts_with_its_own_grad_clip():
    kw = convert_train_config(Config.fromfile(TSM), TSM)
    assert kw['optim_wrapper']['clip_grad'] == dict(max_norm=20, norm_type=2)
    assert kw['optim_wrapper']['optimizer']['weight_decay'] == 0.0005
    assert 'val_dataloader' not in kw
    assert 'save_best' not in kw['default_hooks']['checkpoint']


def test_normalize_stays_when_something_follows_it():
    cfg = _fake_cfg()
    cfg.data.val.pipeline = list(cfg.data.val.pipeline) + [dict(type='ColorJitter')]
    kw = convert_train_config(cfg, 'fake.py', TrainOptions(validate=True))
    assert 'data_preprocessor' not in kw['model']
    assert 'Normalize' in [t['type'] for t in kw['train_dataloader']['dataset']['pipeline']]


def test_per_split_overrides_and_cli_options(tmp_path):
    cfg = _fake_cfg()
    cfg.data.train_dataloader = dict(videos_per_gpu=2, workers_per_gpu=0, drop_last=True)
    cfg.optimizer_config = dict(grad_clip=dict(max_norm=5), cumulative_iters=4)
    options = TrainOptions(work_dir=str(tmp_path), seed=3, deterministic=True, launcher='pytorch')
    kw = convert_train_config(cfg, 'fake.py', options)
    train = kw['train_dataloader']
    assert (train['batch_size'], train['num_workers'], train['drop_last']) == (2, 0, True)
    assert train['persistent_workers'] is False
    assert kw['optim_wrapper']['accumulative_counts'] == 4
    assert kw['optim_wrapper']['paramwise_cfg'] == dict(norm_decay_mult=0)
    assert kw['randomness'] == dict(seed=3, diff_rank_seed=False, deterministic=True)
    assert kw['launcher'] == 'pytorch' and kw['work_dir'] == str(tmp_path)


def test_resume_from_and_load_from():
    cfg = _fake_cfg(load_from='pre.pth')
    kw = convert_train_config(cfg, 'fake.py')
    assert (kw['load_from'], kw['resume']) == ('pre.pth', False)
    kw = convert_train_config(cfg, 'fake.py', TrainOptions(resume='r.pth'))
    assert (kw['load_from'], kw['resume']) == ('r.pth', True)
    kw = convert_train_config(_fake_cfg(load_from='pre.pth', resume_from='x.pth'), 'fake.py')
    assert (kw['load_from'], kw['resume']) == ('x.pth', True)


def test_auto_resume_without_checkpoint_starts_afresh(tmp_path):
    options = TrainOptions(work_dir=str(tmp_path), resume='auto')
    kw = convert_train_config(_fake_cfg(), 'fake.py', options)
    assert kw['resume'] is False
    assert any('no complete checkpoint' in n for n in kw['notes'])


def test_nccl_falls_back_to_gloo_without_cuda():
    import torch

    kw = convert_train_config(_fake_cfg(dist_params=dict(backend='nccl')), 'fake.py')
    expected = 'nccl' if torch.cuda.is_available() else 'gloo'
    assert kw['env_cfg']['dist_cfg']['backend'] == expected


@pytest.mark.parametrize(
    'overrides, message',
    [
        (dict(optimzer=dict(type='SGD', lr=0.1)), "'optimzer'.*'optimizer'"),
        (dict(total_epoch=3), "'total_epoch'.*'total_epochs'"),
        (dict(lr_confg=dict(policy='step', step=[1])), "'lr_confg'.*'lr_config'"),
    ],
)
def test_misspelled_top_level_key_is_named(overrides, message):
    with pytest.raises(ConfigError, match=message):
        convert_train_config(_fake_cfg(**overrides), 'fake.py')


def test_unknown_data_key_is_named():
    cfg = _fake_cfg()
    cfg.data.video_per_gpu = 3
    with pytest.raises(ConfigError, match=r'data\.video_per_gpu.*videos_per_gpu'):
        convert_train_config(cfg, 'fake.py')
    cfg = _fake_cfg()
    cfg.data.test_dataloader = dict(video_per_gpu=1)
    with pytest.raises(ConfigError, match=r'data\.test_dataloader\.video_per_gpu'):
        convert_test_config(cfg, 'fake.py', TestOptions(metrics=['top_k_accuracy']))


def test_used_helper_variables_are_not_errors_unused_ones_are(tmp_path):
    path = tmp_path / 'helpers.py'
    text = (
        'clip_len = 8\n'
        'img_norm_cfg = dict(mean=[1, 2, 3], std=[4, 5, 6], to_bgr=False)\n'
        "my_pipeline = [dict(type='SampleFrames', clip_len=clip_len), "
        "dict(type='Normalize', **img_norm_cfg)]\n"
        "model = dict(type='Recognizer3D', backbone=dict(type='X'))\n"
        "data = dict(train=dict(type='VideoDataset', ann_file='a', pipeline=my_pipeline))\n"
        "optimizer = dict(type='SGD', lr=0.1)\n"
        'total_epochs = 1\n'
    )
    path.write_text(text)
    convert_train_config(Config.fromfile(str(path)), str(path))
    path.write_text(text + 'unused_thing = 3\n')
    with pytest.raises(ConfigError, match="'unused_thing'.*read by no handler"):
        convert_train_config(Config.fromfile(str(path)), str(path))


def test_test_conversion_sets_average_clips_and_evaluators(tmp_path):
    cfg = _fake_cfg()
    cfg.model.backbone.pretrained = 'torchvision://resnet50'
    out = str(tmp_path / 'r.json')
    options = TestOptions(
        metrics=['top_k_accuracy'], eval_options=dict(topk=(1, 3)), out=out, average_clips='score'
    )
    kw = convert_test_config(cfg, 'fake.py', options)
    assert kw['model']['test_cfg'] == dict(average_clips='score')
    assert kw['model']['backbone']['pretrained'] is None
    assert kw['test_evaluator'] == [
        dict(type='AccMetric', metric_list=('top_k_accuracy',),
             metric_options=dict(top_k_accuracy=dict(topk=(1, 3)))),
        dict(type='DumpVideoScores', out_file=out),
        dict(type='BrokenVideoReport', out_file='./work_dirs/fake/broken_test_videos.txt'),
        dict(type='PerClassReport', out_dir='./work_dirs/fake/class_report'),
    ]  # fmt: skip
    assert kw['test_dataloader']['batch_size'] == 4
    kw = convert_test_config(cfg, 'fake.py', TestOptions(out=out, average_clips=None))
    assert kw['model']['test_cfg'] == dict(average_clips=None)
    with pytest.raises(ValueError, match='Nothing to do'):
        convert_test_config(cfg, 'fake.py')


def test_synthetic_config_converts():
    kw = convert_train_config(Config.fromfile(SYNTHETIC), SYNTHETIC, TrainOptions(validate=True))
    assert kw['model']['cls_head']['num_classes'] == 8
    assert [s['type'] for s in kw['param_scheduler']] == ['LinearWarmupLR', 'MultiStepLR']


def test_runner_config_spells_sync_bn_for_mmengine():
    from mmaction.engine.config.convert import runner_config

    cfg = runner_config(_fake_cfg(sync_bn=True), '/tmp/w')
    assert cfg.sync_bn == 'torch' and cfg.work_dir == '/tmp/w'
    assert 'sync_bn' not in runner_config(_fake_cfg(sync_bn=False))
    assert 'sync_bn' not in runner_config(_fake_cfg())
    with pytest.raises(ConfigError, match='sync_bn'):
        runner_config(_fake_cfg(sync_bn='yes'))


def test_loaders_pin_memory_by_default_on_cuda_as_0x_did():
    import torch

    kw = convert_train_config(_fake_cfg(), 'fake.py')
    assert kw['train_dataloader']['pin_memory'] is torch.cuda.is_available()
    cfg = _fake_cfg()
    cfg.data.pin_memory = True
    assert convert_train_config(cfg, 'fake.py')['train_dataloader']['pin_memory'] is True
