"""Deployment: ONNX export of a recognizer and running the export with ONNX Runtime.

Back-end of ``tools/deployment/pytorch2onnx.py``; needs the ``deploy`` extra
(``pip install -e ".[deploy]"``).
"""
