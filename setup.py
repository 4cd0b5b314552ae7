"""Install script: ``pip install -e .`` (``[tests]``: the test tools, ``[deploy]``: ONNX, ``[demo]``: web demo and Grad-CAM)."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_requirements(name: str) -> list[str]:
    lines = (HERE / name).read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith('#')]


version = re.search(r"__version__ = '([^']+)'", (HERE / 'mmaction/__init__.py').read_text()).group(1)

setup(
    name='tpn-action',
    version=version,
    description='Temporal Pyramid Network action recognition, compatible with MMAction2 0.x',
    long_description=(HERE / 'README.md').read_text(),
    long_description_content_type='text/markdown',
    python_requires='>=3.9',
    packages=find_packages(include=['mmaction', 'mmaction.*']),
    install_requires=read_requirements('requirements.txt'),
    extras_require={
        'analysis': read_requirements('requirements-analysis.txt'),
        'deploy': read_requirements('requirements-deploy.txt'),
        'demo': read_requirements('requirements-demo.txt'),
        # The tests draw the analysis figures, export to ONNX and serve the web demo too.
        'tests': read_requirements('requirements-tests.txt')
        + read_requirements('requirements-analysis.txt')
        + read_requirements('requirements-deploy.txt')
        + read_requirements('requirements-demo.txt'),
    },
    license='Apache-2.0',
)
