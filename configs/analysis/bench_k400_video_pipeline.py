# Data-pipeline benchmark: the Kinetics-400 training pipeline of the seed TPN
# config (tpn_imagenet_pretrained_slowonly_r50_8x8x1_150e_kinetics_rgb.py) with
# DecordInit/DecordDecode in place of RawFrameDecode, as MMAction2 1.x's TPN
# config has it. Used by tools/analysis/bench_processing.py; make Kinetics-like
# 340x256 videos with its --make-videos option. For the comparison with
# MMAction2 1.x, see tools/analysis/compare_mmaction2/bench_video_pipelines.py.
dataset_type = 'VideoDataset'
data_root = 'data/bench_k400_video/videos'
ann_file_train = 'data/bench_k400_video/bench_train_list_videos.txt'
img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_bgr=False)
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=8, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='ColorJitter'),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label']),
]
data = dict(
    videos_per_gpu=8,
    workers_per_gpu=8,
    train=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=data_root,
        pipeline=train_pipeline,
    ),
)
