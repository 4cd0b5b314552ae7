checkpoint_config = dict(interval=1)
log_config = dict(
    interval=20,
    hooks=[
        dict(type='TextLoggerHook'),
        # dict(type='TensorboardLoggerHook'),
    ],
)
# runtime settings
dist_params = dict(backend='nccl')
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 1)]

# opencv's own thread pool competes with the data-loader workers
opencv_num_threads = 0
# 'fork' starts data-loader workers fastest on Linux
mp_start_method = 'fork'
