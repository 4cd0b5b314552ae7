"""The cache of ONNX exports behind ``init_recognizer(..., backend='onnxruntime')``.

An export of a ResNet-50 recognizer takes half a minute, so it is done once
per checkpoint and export setting and kept in the user's cache folder
(``$XDG_CACHE_HOME/tpn-action/onnx``, else ``~/.cache/tpn-action/onnx``;
:data:`CACHE_ENV` names another), not beside the checkpoint: a URL or a
read-only checkpoint works too.

An entry is ``<key>.onnx`` and ``<key>.json``. The key is the SHA-256 of the
checkpoint's bytes (a copied or renamed checkpoint finds its export, an
overwritten one does not), the export settings and the versions of the
toolkit and of PyTorch (whose exporter writes the graph). Both files are
written atomically (temporary file, then rename), the ``.onnx`` first; the
``.json`` records the SHA-256 of the ``.onnx``, so an entry that was cut
short or damaged later does not match and is exported again.
"""

import hashlib
import json
import os
import os.path as osp
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional

from mmaction.engine.runtime.atomic_io import PARTIAL_SUFFIX, atomic_write_text

__all__ = ['CACHE_ENV', 'ExportKey', 'OnnxCache', 'default_cache_dir', 'file_sha256']

#: Environment variable naming the cache folder (tests point it at a temporary one).
CACHE_ENV = 'TPN_ONNX_CACHE'
_CHUNK = 1 << 20


def default_cache_dir() -> str:
    """The cache folder: ``$TPN_ONNX_CACHE``, else ``<XDG cache>/tpn-action/onnx``."""
    if os.environ.get(CACHE_ENV):
        return os.environ[CACHE_ENV]
    base = os.environ.get('XDG_CACHE_HOME') or osp.join(osp.expanduser('~'), '.cache')
    return osp.join(base, 'tpn-action', 'onnx')


def file_sha256(path: str) -> str:
    """The SHA-256 of a file's bytes, in hex (read in chunks: checkpoints are large)."""
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for chunk in iter(lambda: file.read(_CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class ExportKey:
    """What an export depends on.

    Attributes:
        checkpoint_sha256: SHA-256 of the checkpoint file.
        settings: The export settings, JSON-serializable (the test-time model
            config, the input shape without the dynamic axes, the opset, ...).
        versions: Versions of the toolkit and of the exporter.
    """

    checkpoint_sha256: str
    settings: Dict[str, Any] = field(default_factory=dict)
    versions: Dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> Dict[str, Any]:
        """The key as a plain dict (what the ``.json`` of an entry records)."""
        return dict(
            checkpoint_sha256=self.checkpoint_sha256, settings=self.settings, versions=self.versions
        )

    @property
    def digest(self) -> str:
        """str: SHA-256 of the key's canonical JSON, the name of the entry."""
        text = json.dumps(self.as_dict(), sort_keys=True, default=repr)
        return hashlib.sha256(text.encode('utf-8')).hexdigest()


class OnnxCache:
    """A folder of exports, one per :class:`ExportKey`.

    Args:
        directory: The folder; None: :func:`default_cache_dir`.
    """

    def __init__(self, directory: Optional[str] = None) -> None:
        self.directory = directory or default_cache_dir()

    def onnx_path(self, key: ExportKey) -> str:
        """Where the export of ``key`` is (or will be)."""
        return osp.join(self.directory, f'{key.digest}.onnx')

    def _meta_path(self, key: ExportKey) -> str:
        return osp.join(self.directory, f'{key.digest}.json')

    def lookup(self, key: ExportKey) -> Optional[str]:
        """The export of ``key`` if the cache holds a sound one, else None.

        Sound: both files are there, the record is that of ``key``, and the
        ``.onnx`` has the SHA-256 the record names.
        """
        onnx_file, meta_file = self.onnx_path(key), self._meta_path(key)
        try:
            with open(meta_file, encoding='utf-8') as file:
                meta = json.load(file)
            sound = meta.get('key') == json.loads(json.dumps(key.as_dict(), default=repr)) and (
                meta.get('onnx_sha256') == file_sha256(onnx_file)
            )
        except (OSError, ValueError, AttributeError):
            return None
        return onnx_file if sound else None

    def store(self, key: ExportKey, write: Callable[[str], None]) -> str:
        """Export into the cache: ``write(path)`` writes the ``.onnx`` file to ``path``.

        It writes into a temporary folder of the cache folder (the same file
        system, so the rename is atomic) and only a complete file is moved
        in; a failed export leaves the cache as it was.

        Returns:
            The path of the cached ``.onnx`` file.
        """
        os.makedirs(self.directory, exist_ok=True)
        onnx_file = self.onnx_path(key)
        work = tempfile.mkdtemp(dir=self.directory, prefix='.export-', suffix=PARTIAL_SUFFIX)
        try:
            tmp_file = osp.join(work, 'model.onnx')
            write(tmp_file)
            onnx_sha256 = file_sha256(tmp_file)
            os.replace(tmp_file, onnx_file)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        meta = dict(key=key.as_dict(), onnx_sha256=onnx_sha256)
        atomic_write_text(self._meta_path(key), json.dumps(meta, indent=2, default=repr) + '\n')
        return onnx_file
