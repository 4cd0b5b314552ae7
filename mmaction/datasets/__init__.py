"""Datasets and data transforms (MMAction2 0.x compatible)."""

from . import transforms  # noqa: F401  (registers the augmentation transforms)
from .base import BaseDataset, BrokenDataWarning
from .collate import action_collate
from .exceptions import BrokenSample, BrokenVideoError
from .label_map import load_label_map
from .list_labels import load_list_labels
from .rawframe_dataset import RawframeDataset
from .sample_seed import SampleKey, seeded_sample
from .transforms import (  # noqa: F401  (register the loading transforms)
    array_decode,
    compose,
    decord_decode,
    opencv_decode,
    pack_device_decode,
    pyav_decode,
    rawframe_decode,
    sample_frames,
    torchcodec_decode,
    uniform_sample,
)
from .transforms.array_decode import ArrayDecode
from .transforms.compose import Compose
from .transforms.decord_decode import DecordDecode, DecordInit
from .transforms.opencv_decode import OpenCVDecode, OpenCVInit
from .transforms.pack_device_decode import PackDeviceDecode
from .transforms.pyav_decode import PyAVDecode, PyAVInit
from .transforms.rawframe_decode import RawFrameDecode
from .transforms.sample_frames import DenseSampleFrames, SampleFrames
from .transforms.torchcodec_decode import TorchCodecDecode, TorchCodecInit
from .transforms.uniform_sample import UniformSample
from .video_dataset import VideoDataset

__all__ = [
    'ArrayDecode',
    'BaseDataset',
    'BrokenDataWarning',
    'BrokenSample',
    'BrokenVideoError',
    'Compose',
    'DecordDecode',
    'DecordInit',
    'DenseSampleFrames',
    'OpenCVDecode',
    'OpenCVInit',
    'PackDeviceDecode',
    'PyAVDecode',
    'PyAVInit',
    'RawFrameDecode',
    'RawframeDataset',
    'SampleFrames',
    'SampleKey',
    'TorchCodecDecode',
    'TorchCodecInit',
    'UniformSample',
    'VideoDataset',
    'action_collate',
    'load_label_map',
    'load_list_labels',
    'seeded_sample',
]
