"""Registries of the toolkit.

Each registry is a child of the matching mmengine registry, so that configs
can name both this package's classes (``type='TPN'``) and mmengine's own
(``type='CheckpointHook'``) and mmengine's Runner finds them under the
``mmaction`` scope.
"""

from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

MODELS = Registry('model', parent=MMENGINE_MODELS, scope='mmaction', locations=['mmaction.models'])
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope='mmaction', locations=['mmaction.datasets']
)
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='mmaction', locations=['mmaction.datasets']
)
# The metrics that write files during a test run live with the runtime that runs them.
METRICS = Registry(
    'metric',
    parent=MMENGINE_METRICS,
    scope='mmaction',
    locations=[
        'mmaction.evaluation',
        'mmaction.engine.runtime.video_score_dumper',
        'mmaction.engine.runtime.broken_video_report',
        'mmaction.engine.runtime.prediction_dumper',
        'mmaction.engine.runtime.per_class_report',
    ],
)
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope='mmaction', locations=['mmaction.engine.runtime.hooks']
)

__all__ = ['MODELS', 'DATASETS', 'TRANSFORMS', 'METRICS', 'HOOKS']
