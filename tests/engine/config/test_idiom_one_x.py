"""The 1.x translation of a 0.x config in 1.x's idiom (idiom_one_x), step by step."""

import copy

import pytest

from mmaction.engine.config.idiom_one_x import idiomatic_one_x

NORMALIZE = dict(type='Normalize', mean=[1.0, 2.0, 3.0], std=[4.0, 5.0, 6.0], to_bgr=False)
COLLECT = dict(type='Collect', keys=['imgs', 'label'], meta_keys=[])


def _pipeline(*middle, to_tensor=('imgs', 'label')):
    return [
        dict(type='SampleFrames', clip_len=1, num_clips=8, test_protocol='0.x'),
        *middle,
        dict(type='FormatShape', input_format='NCHW'),
        dict(COLLECT),
        dict(type='ToTensor', keys=list(to_tensor)),
    ]


def _translated(**overrides) -> dict:
    """What zero_x.translate gives for a small 0.x config."""

    def loader(kind, to_tensor=('imgs', 'label')):
        pipeline = _pipeline(dict(NORMALIZE), to_tensor=to_tensor)
        return dict(
            batch_size=2,
            dataset=dict(type=kind, ann_file='a.txt', data_prefix='dir', pipeline=pipeline),
        )

    cfg = dict(
        model=dict(
            type='Recognizer2D',
            cls_head=dict(type='TPNHead', num_classes=3),
            test_cfg=dict(average_clips='prob'),
        ),
        train_dataloader=loader('RawframeDataset'),
        val_dataloader=loader('RawframeDataset', to_tensor=('imgs',)),
        test_dataloader=loader('VideoDataset', to_tensor=('imgs',)),
        param_scheduler=[
            dict(
                type='LinearWarmupLR',
                start_factor=0.1,
                end_factor=1.0,
                begin=0,
                end=50,
                by_epoch=False,
            ),
            dict(type='MultiStepLR', milestones=[2], gamma=0.1, by_epoch=True),
        ],
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', save_best='top5_acc')),
    )
    cfg.update(overrides)
    return cfg


def test_a_translated_0x_config_reads_as_1x():
    source = _translated()
    cfg = idiomatic_one_x(source)
    assert source == _translated()  # not changed in place
    assert cfg['default_scope'] == 'mmaction'
    assert cfg['train_dataloader']['dataset']['data_prefix'] == dict(img='dir')
    assert cfg['test_dataloader']['dataset']['data_prefix'] == dict(video='dir')
    for split in ('train', 'val', 'test'):
        assert cfg[f'{split}_dataloader']['dataset']['pipeline'] == [
            dict(type='SampleFrames', clip_len=1, num_clips=8, test_protocol='0.x'),
            dict(type='FormatShape', input_format='NCHW'),
            dict(type='PackActionInputs'),
        ]
    assert cfg['model'] == dict(
        type='Recognizer2D',
        cls_head=dict(type='TPNHead', num_classes=3, average_clips='prob'),
        test_cfg=None,
        data_preprocessor=dict(
            type='ActionDataPreprocessor',
            mean=[1.0, 2.0, 3.0],
            std=[4.0, 5.0, 6.0],
            format_shape='NCHW',
        ),
    )
    # mmengine's LinearLR over [0, 51) reaches 1.0 at iteration 50, as LinearWarmupLR(end=50).
    assert cfg['param_scheduler'][0] == dict(
        type='LinearLR', start_factor=0.1, end_factor=1.0, begin=0, end=51, by_epoch=False
    )
    assert cfg['default_hooks']['checkpoint']['save_best'] == 'acc/top5'


def test_to_bgr_becomes_to_rgb_the_same_channel_reversal():
    cfg = _translated()
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader']['dataset']['pipeline'][1]['to_bgr'] = True
    preprocessor = idiomatic_one_x(cfg)['model']['data_preprocessor']
    assert preprocessor['to_rgb'] is True and 'to_bgr' not in preprocessor


def test_what_would_change_a_number_stays():
    cfg = _translated()
    val = cfg['val_dataloader']['dataset']['pipeline']
    val.insert(2, dict(type='ColorJitter'))  # after Normalize: it cannot move
    val[-2] = dict(COLLECT, meta_keys=['img_shape'])  # not the standard ending
    epoch_warmup = dict(
        type='LinearWarmupLR',
        start_factor=0.1,
        begin=0,
        end=2,
        by_epoch=True,
        convert_to_iter_based=True,
    )
    cfg['param_scheduler'][0] = copy.deepcopy(epoch_warmup)
    out = idiomatic_one_x(cfg)
    assert 'data_preprocessor' not in out['model']
    assert [s['type'] for s in out['val_dataloader']['dataset']['pipeline']][-3:] == [
        'FormatShape',
        'Collect',
        'ToTensor',
    ]
    assert out['train_dataloader']['dataset']['pipeline'][1] == NORMALIZE
    # In epochs mmengine's LinearLR cannot say "end + 1 iterations".
    assert out['param_scheduler'][0] == epoch_warmup


@pytest.mark.parametrize('dataset_type', ['ConcatDataset', 'AVADataset'])
def test_unknown_dataset_types_keep_their_prefix(dataset_type):
    cfg = _translated()
    cfg['train_dataloader']['dataset']['type'] = dataset_type
    assert idiomatic_one_x(cfg)['train_dataloader']['dataset']['data_prefix'] == 'dir'
