"""Find the newest complete checkpoint of a work directory for ``--auto-resume``."""

import os
import os.path as osp
import re
import zipfile
from typing import Optional

_CKPT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` file.

    ``torch.save`` writes a zip archive whose central directory comes last, so
    a file cut short by a crash does not open as a zip.
    """
    if not osp.isfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return len(archive.namelist()) > 0
    except (zipfile.BadZipFile, OSError):
        return False


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint to resume a run in ``work_dir`` from, or None.

    Prefers the file named in mmengine's ``last_checkpoint`` pointer; when
    that is missing or incomplete, takes the newest complete ``epoch_N.pth``
    or ``iter_N.pth`` (by modification time: an ``iter_N.pth`` saved on a
    stop signal in the middle of epoch 4 is newer than ``epoch_3.pth``; the
    higher N breaks ties).
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            named = f.read().strip()
        if named and not osp.isabs(named) and not osp.exists(named):
            named = osp.join(work_dir, osp.basename(named))
        if named and is_complete_checkpoint(named):
            return named
    if not osp.isdir(work_dir):
        return None
    candidates = []
    for name in os.listdir(work_dir):
        match = _CKPT_NAME.match(name)
        path = osp.join(work_dir, name)
        if match and osp.isfile(path):
            candidates.append((osp.getmtime(path), int(match.group(2)), path))
    for _, _, path in sorted(candidates, reverse=True):
        if is_complete_checkpoint(path):
            return path
    return None
