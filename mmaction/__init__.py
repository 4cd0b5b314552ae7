"""TPN action recognition toolkit, compatible with MMAction2 0.x configs and checkpoints.

Importing the package is cheap on purpose: submodules (models, datasets,
engine) are imported on first use, e.g. by the registries when a config is
built.
"""

__version__ = '0.1.0'

__all__ = ['__version__']
