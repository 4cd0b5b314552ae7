"""Backbones: 2D ResNet, ResNet-TSM, 3D ResNet and SlowOnly."""

from .resnet import ResNet
from .resnet3d import ResNet3d
from .resnet3d_slowonly import ResNet3dSlowOnly
from .resnet_tsm import ResNetTSM

__all__ = ['ResNet', 'ResNetTSM', 'ResNet3d', 'ResNet3dSlowOnly']
