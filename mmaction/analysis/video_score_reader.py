"""Reads the per-video score files that ``tools/test.py --out`` writes.

The reader sits next to the writer (:mod:`.video_score_dumper`) and takes
the file formats from it. None of the formats may run code while it is read:
JSON as JSON, YAML with the safe loader, and pickles with an unpickler that
rebuilds NumPy arrays and plain containers only (the allow-list of
checkpoint loading), so a score file from someone else is as safe to open
as a checkpoint.
"""

import io
import json
import os
import pickle
from typing import Any, Dict, Union

from mmaction.engine.runtime.video_score_dumper import OUTPUT_FORMATS
from mmaction.evaluation.video_scores import VideoScores
from mmaction.utils.errors import ResultFileError

__all__ = ['load_video_scores']


def _allowed_globals() -> Dict[str, Any]:
    import codecs

    from mmaction.utils.checkpoint import checkpoint_safe_globals

    # Pickle protocol 2 (mmengine's dump) stores the bytes of a NumPy array
    # as codecs.encode(text, 'latin1'); torch's weights-only loader allows it too.
    allowed = {'_codecs.encode': codecs.encode}
    for entry in checkpoint_safe_globals():
        obj, name = entry if isinstance(entry, tuple) else (entry, None)
        allowed[name or f'{obj.__module__}.{obj.__qualname__}'] = obj
    return allowed


class _PlainDataUnpickler(pickle.Unpickler):
    """Unpickler that refuses every global outside :func:`_allowed_globals`."""

    def __init__(self, file, source: str) -> None:
        super().__init__(file)
        self._allowed = _allowed_globals()
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        qualified = f'{module}.{name}'
        if qualified not in self._allowed:
            raise ResultFileError(
                f'Refusing to load {self._source}: it pickles {qualified}, which only a '
                'code-executing unpickler could rebuild; a score file holds lists or NumPy '
                'arrays of numbers'
            )
        return self._allowed[qualified]


def _read_pickle(path: str, data: bytes) -> Any:
    """A 0.x score pickle (plain data), else an MMAction2 1.x ``--dump`` file (dicts of tensors).

    Both are read by unpicklers that rebuild only what such files hold.
    """
    from mmaction.evaluation.mmaction2_dump import load_mmaction2_dump

    try:
        return _PlainDataUnpickler(io.BytesIO(data), path).load()
    except ResultFileError as plain_error:
        if 'torch' not in str(plain_error):
            raise
    records = load_mmaction2_dump(path)
    return [None if r is None else r['pred_score'].float().tolist() for r in records]


def _read(path: str, file_format: str) -> Any:
    with open(path, 'rb') as f:
        data = f.read()
    try:
        if file_format == 'pkl':
            return _read_pickle(path, data)
        text = data.decode('utf-8')
        if file_format == 'json':
            return json.loads(text)
        import yaml

        return yaml.safe_load(text)
    except ResultFileError:
        raise
    except Exception as err:  # any parser error means a damaged or foreign file
        message = ' '.join(str(err).split())[:200]
        raise ResultFileError(
            f'{path} is not a readable {file_format} score file ({type(err).__name__}: {message})'
        ) from None


def load_video_scores(path: Union[str, os.PathLike]) -> VideoScores:
    """Read a ``tools/test.py --out`` file (``.json``, ``.pkl``, ``.yaml``) or a ``--dump`` file.

    Args:
        path (str | PathLike): The result file; its suffix gives the format.

    Returns:
        VideoScores: The scores of the videos that were read (``null``
        entries, for videos that could not be read, are left out).

    Raises:
        FileNotFoundError: There is no such file.
        ResultFileError: The suffix is not a result format, the file cannot be
            parsed, pickles anything but plain data, or is not a list of
            score vectors.
    """
    path = os.fspath(path)
    file_format = OUTPUT_FORMATS.get(os.path.splitext(path)[1].lower())
    if file_format is None:
        raise ResultFileError(
            f'{path}: a result file of tools/test.py --out ends with one of '
            f'{", ".join(sorted(OUTPUT_FORMATS))}'
        )
    if not os.path.isfile(path):
        raise FileNotFoundError(f'result file not found: {path}')
    return VideoScores.from_entries(_read(path, file_format), source=path)
