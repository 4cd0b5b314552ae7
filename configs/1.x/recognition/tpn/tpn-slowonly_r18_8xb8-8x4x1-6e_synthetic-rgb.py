# The quickstart's small TPN on the synthetic motion data set, written in the
# MMAction2 1.x dialect: the same model, data, schedule and evaluation as
# configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py (0.x), except that
# test clips are placed as MMAction2 1.x places them (one clip: the centre).
#
#   python tools/data/synthetic/generate.py --out data/synthetic
#   python tools/train.py configs/1.x/recognition/tpn/tpn-slowonly_r18_8xb8-8x4x1-6e_synthetic-rgb.py
_base_ = ['../../_base_/default_runtime.py']

num_classes = 8
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=18,
        pretrained=None,
        base_channels=8,
        lateral=False,
        out_indices=(2, 3),
        conv1_kernel=(1, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(1, 1, 1, 1),
        norm_eval=False,
    ),
    neck=dict(
        type='TPN',
        in_channels=(32, 64),
        out_channels=32,
        spatial_modulation_cfg=dict(in_channels=(32, 64), out_channels=64),
        temporal_modulation_cfg=dict(downsample_scales=(8, 8)),
        upsample_cfg=dict(scale_factor=(1, 1, 1)),
        downsample_cfg=dict(downsample_scale=(1, 1, 1)),
        level_fusion_cfg=dict(
            in_channels=(32, 32),
            mid_channels=(32, 32),
            out_channels=64,
            downsample_scales=((1, 1, 1), (1, 1, 1)),
        ),
        aux_head_cfg=dict(out_channels=num_classes, loss_weight=0.5),
    ),
    cls_head=dict(
        type='TPNHead',
        num_classes=num_classes,
        in_channels=2048,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.2,
        init_std=0.01,
        average_clips='prob',
    ),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW',
    ),
    train_cfg=None,
    test_cfg=None,
)

dataset_type = 'VideoDataset'
data_root = 'data/synthetic/videos'
ann_file_train = 'data/synthetic/synthetic_train_list_videos.txt'
ann_file_val = 'data/synthetic/synthetic_val_list_videos.txt'
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=4, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='RandomCrop', size=56),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=4, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='CenterCrop', crop_size=56),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline,
        test_mode=True,
    ),
)
test_dataloader = val_dataloader

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=6, val_begin=1, val_interval=2)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001, nesterov=True),
    clip_grad=dict(max_norm=40, norm_type=2),
)
# A long warm-up from a hundredth of the rate over the first epoch (the 0.x
# config's warmup_iters=128: mmengine's LinearLR reaches the full rate at
# end - 1), then a step at epoch 5.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=129),
    dict(type='MultiStepLR', begin=0, end=6, by_epoch=True, milestones=[5], gamma=0.1),
]

default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=2), logger=dict(interval=4))
log_processor = dict(window_size=4)
work_dir = './work_dirs/tpn-slowonly_r18_8xb8-8x4x1-6e_synthetic-rgb'
