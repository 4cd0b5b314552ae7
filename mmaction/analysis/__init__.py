"""Back-ends of the analysis tools (``tools/analysis/``, ``tools/publish_model.py``).

Benchmarks (``bench_train``, ``inference_benchmark``), FLOPs and parameters
(``model_analysis``), training logs (``training_log``), saved result files
(``video_score_reader``, ``result_analysis``) and checkpoint publishing
(``checkpoint_publisher``). Imported on use: nothing here is needed to
train or test.
"""
