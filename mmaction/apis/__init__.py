"""MMAction2-0.x-style API: ``train_model`` and ``test_model`` (see ``mmaction.engine``)."""

from mmaction.engine.test_api import test_model
from mmaction.engine.train_api import train_model

__all__ = ['test_model', 'train_model']
