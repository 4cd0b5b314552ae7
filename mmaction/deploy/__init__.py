"""Deployment: ONNX export of a recognizer, and running the export with ONNX Runtime.

``onnx_export`` (behind ``tools/deployment/pytorch2onnx.py``),
``onnx_runtime`` (sessions, and the comparison with PyTorch behind
``--verify``) and ``onnx_benchmark`` (ONNX Runtime against PyTorch eager,
behind ``tools/analysis/benchmark_onnx.py``). They need the ``deploy`` extra
(``pip install -e ".[deploy]"``).
"""
