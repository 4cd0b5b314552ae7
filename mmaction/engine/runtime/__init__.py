"""What drives a run: the runner, its loops and hooks, checkpoints, preemption and the console.

``runner`` (mmengine's Runner with the toolkit's set-up), ``loops`` (the
resumable training loop), ``eval_loops`` (validation and test loops that
leave unreadable videos out), ``samplers``, ``hooks``; checkpoint writing and
auto-resume (``atomic_io``, ``auto_resume``, ``plain_checkpoint``);
``preemption`` (stop signals), ``nonfinite`` (the loss guard),
``worker_errors``; the console (``console``, ``progress``); the metrics that
write files (``video_score_dumper``, ``broken_video_report``,
``per_class_report``); ``fine_tune_load`` (``load_class_rows='by_name'``); and the
schedulers that give mmcv's learning rates (``warmup_schedulers``,
``mmcv_schedulers``).
"""
