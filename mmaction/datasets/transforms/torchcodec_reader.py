"""Exact frame access to a video with torchcodec, PyTorch's video decoder (an optional extra).

:class:`TorchCodecReader` is what ``TorchCodecInit``/``TorchCodecDecode``
open and decode videos with on the CPU; :func:`open_decoder` also opens them
on a GPU (NVDEC) for :mod:`mmaction.datasets.device_decode`. torchcodec decodes with the FFmpeg
shared libraries installed on the machine and converts YUV to RGB with
libswscale's BT.601 matrix, as PyAV does: the frames equal PyAV's for the
same indices (``tests/datasets/transforms/test_torchcodec_decode.py``).

Where torchcodec is missing or cannot load FFmpeg, building the transforms
raises one line naming the ``torchcodec`` extra (:func:`require_torchcodec`).
"""

from typing import Any, List, Optional

import numpy as np

from mmaction.utils.errors import missing_package

from ..exceptions import BrokenVideoError

# A container's header may count a frame or two more than the stream holds;
# more missing than that means the file was cut short (as PyAVReader decides).
MAX_MISSING_TAIL = 2

_STATE: dict = {}


def torchcodec_unavailable() -> Optional[str]:
    """Why torchcodec cannot decode videos here (one line), or None when it can.

    Checked once per process: torchcodec imports without FFmpeg (its image
    decoders need none) and fails only when a video is opened, so the FFmpeg
    libraries are loaded here.
    """
    if 'reason' not in _STATE:
        try:
            from torchcodec import _core

            versions = _core.get_ffmpeg_library_versions()
            _STATE['ffmpeg'] = versions.get('ffmpeg_version')
            _STATE['reason'] = None
        except Exception as error:  # noqa: BLE001  (ImportError, or FFmpeg's libraries missing)
            _STATE['reason'] = f'{type(error).__name__}: {str(error).strip().splitlines()[0]}'
    return _STATE['reason']


INSTALL = 'pip install -e ".[torchcodec]" (and FFmpeg\'s shared libraries)'


def require_torchcodec(owner: str) -> None:
    """Raise one line naming the ``torchcodec`` extra when torchcodec cannot decode here.

    Args:
        owner: What needs it, for the message (``'TorchCodecInit'``, ...).

    Raises:
        MissingPackageError: torchcodec is not installed or cannot load FFmpeg.
    """
    reason = torchcodec_unavailable()
    if reason is not None:
        raise missing_package('torchcodec', f'{owner} ({reason})', INSTALL)


def cuda_decoding_unavailable() -> Optional[str]:
    """Why GPU decoding cannot work in this process (one line), or None when it may.

    Needs a CUDA device and a torchcodec build with CUDA (the Linux wheels of
    PyPI are ``+cu...`` builds); whether the GPU's NVDEC handles a codec is
    only known when a video is decoded.
    """
    import torch

    reason = torchcodec_unavailable()
    if reason is not None:
        return reason
    if not torch.cuda.is_available():
        return 'no CUDA device in this process'
    import torchcodec

    version = getattr(torchcodec, '__version__', '')
    if '+cpu' in version:
        return f'torchcodec {version} is a CPU-only build'
    return None


def _errors() -> tuple:
    return (RuntimeError, ValueError, OSError)


def open_decoder(source: Any, filename: str, device: str = 'cpu', num_threads: int = 1):
    """A torchcodec ``VideoDecoder`` in exact seek mode, frames ``N x H x W x 3``.

    Raises:
        BrokenVideoError: the file cannot be opened, has no video stream or
            fewer frames than its header lists.
    """
    from torchcodec.decoders import VideoDecoder

    try:
        decoder = VideoDecoder(
            source,
            device=device,
            seek_mode='exact',
            dimension_order='NHWC',
            num_ffmpeg_threads=num_threads,
        )
    except _errors() as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise BrokenVideoError(filename, f'torchcodec cannot open it: {reason}') from error
    metadata = decoder.metadata
    found = metadata.num_frames_from_content or 0
    listed = metadata.num_frames_from_header or 0
    if listed > found + MAX_MISSING_TAIL:
        raise BrokenVideoError(
            filename, f'truncated: the header lists {listed} frames, the file holds {found}'
        )
    if found == 0:
        raise BrokenVideoError(filename, 'no video frames')
    return decoder


class TorchCodecReader:
    """An open video (torchcodec on the CPU) and its frame count.

    Opening scans the stream's packets (no frame is decoded), which gives the
    exact frame count and the key frames to seek to.

    Args:
        source (str | BytesIO): The file path or bytes to open.
        filename (str): The file's name, for error messages.
        num_threads (int): FFmpeg decoder threads (1: none, 0: FFmpeg chooses).

    Attributes:
        total_frames (int): Frames a full decode gives.
        avg_fps (float | None): The stream's average frame rate.
        height, width (int): The frame size.
        on_disk (bool): Opened from a local path (which the GPU can reopen).
    """

    def __init__(self, source: Any, filename: str, num_threads: int = 1) -> None:
        self.filename = filename
        self.on_disk = isinstance(source, str)
        self.decoder = open_decoder(source, filename, 'cpu', num_threads)
        metadata = self.decoder.metadata
        self.total_frames = int(metadata.num_frames_from_content)
        self.avg_fps = float(metadata.average_fps) if metadata.average_fps else None
        self.height, self.width = int(metadata.height), int(metadata.width)

    def close(self) -> None:
        """Drop the decoder (torchcodec closes the file with it)."""
        self.decoder = None

    def read(self, wanted: np.ndarray) -> List[np.ndarray]:
        """Decode the frames ``wanted`` (sorted, unique, in range) and close the video.

        Returns:
            list[np.ndarray]: ``H x W x 3`` uint8 RGB frames, one per index.

        Raises:
            BrokenVideoError: a wanted frame cannot be decoded.
        """
        try:
            frames = self.decoder.get_frames_at(wanted.tolist()).data.numpy()
        except _errors() as error:
            raise BrokenVideoError(
                self.filename, f'torchcodec cannot decode it: {error}'
            ) from error
        finally:
            self.close()
        return list(frames)
