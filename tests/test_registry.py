"""Every name a config may use is found from the registries alone, in a fresh interpreter.

The toolkit's registries import their ``locations`` on first use; the
mmengine registries that the engine's loops, schedulers, optimizer wrappers,
samplers and functions register into are filled by importing
``mmaction.engine``, which every tool does first.
"""

import subprocess
import sys

from tpn_run_helpers import ROOT, env

CHECK = """
import sys
import mmaction.registry as ours
assert 'mmaction.engine' not in sys.modules
found = {
    'HOOKS': ['AtomicCheckpointHook', 'CheckpointMetaHook', 'ConsoleProgressHook',
              'TestProgressHook', 'CheckpointHook', 'ClassReportHook'],
    'METRICS': ['AccMetric', 'DumpVideoScores', 'BrokenVideoReport', 'PerClassReport'],
    'MODELS': ['Recognizer3D', 'Recognizer2D', 'TPN', 'TPNHead', 'ResNet3dSlowOnly'],
    'DATASETS': ['VideoDataset', 'RawframeDataset'],
    'TRANSFORMS': ['DecordInit', 'SampleFrames', 'Normalize', 'FormatShape'],
}
missing = [f'{registry}.{name}' for registry, names in found.items()
           for name in names if getattr(ours, registry).get(name) is None]
import mmaction.engine  # noqa: F401
from mmengine import registry as mm
roots = {
    'LOOPS': ['ResumableTrainLoop', 'ActionValLoop', 'ActionTestLoop'],
    'PARAM_SCHEDULERS': ['LinearWarmupLR', 'ConstantWarmupLR'],
    'OPTIM_WRAPPERS': ['BFloat16OptimWrapper'],
    'DATA_SAMPLERS': ['ResumableSampler'],
    'FUNCTIONS': ['ignore_stop_signals', 'action_collate'],
}
missing += [f'{registry}.{name}' for registry, names in roots.items()
            for name in names if getattr(mm, registry).get(name) is None]
print(missing)
"""


def test_registered_names_are_found():
    proc = subprocess.run(
        [sys.executable, '-c', CHECK], cwd=ROOT, env=env(), capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == '[]'
