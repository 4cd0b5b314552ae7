"""Tiny stand-in backbone/neck/head with the 0.x interfaces, for recognizer tests.

They keep the recognizer tests independent of the real ResNet/TPN code and
fast: a few thousand parameters, 32 px inputs.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyBackbone3D(nn.Module):
    """Two-stage 3D CNN returning a tuple of two feature maps, like ``out_indices=(2, 3)``."""

    def __init__(self, channels=(8, 16)):
        super().__init__()
        self.stage1 = nn.Sequential(
            nn.Conv3d(3, channels[0], 3, stride=(1, 2, 2), padding=1),
            nn.BatchNorm3d(channels[0]),
            nn.ReLU(),
        )
        self.stage2 = nn.Sequential(
            nn.Conv3d(channels[0], channels[1], 3, stride=(1, 2, 2), padding=1),
            nn.BatchNorm3d(channels[1]),
            nn.ReLU(),
        )
        self.init_calls = 0

    def init_weights(self):
        self.init_calls += 1

    def forward(self, x):
        f1 = self.stage1(x)
        return f1, self.stage2(f1)


class TinyBackbone2D(nn.Module):
    """Two-stage 2D CNN with a TSM-like mixing of the frames of each clip."""

    def __init__(self, num_segments=4, channels=(8, 16)):
        super().__init__()
        self.num_segments = num_segments
        self.stage1 = nn.Sequential(
            nn.Conv2d(3, channels[0], 3, stride=2, padding=1), nn.BatchNorm2d(channels[0])
        )
        self.stage2 = nn.Sequential(
            nn.Conv2d(channels[0], channels[1], 3, stride=2, padding=1),
            nn.BatchNorm2d(channels[1]),
        )

    def _mix(self, x):
        # depends on every frame of the clip, so wrong grouping changes the result
        clips = x.reshape((-1, self.num_segments) + x.shape[1:])
        return (clips + clips.mean(dim=1, keepdim=True)).reshape(x.shape)

    def forward(self, x):
        f1 = torch.relu(self._mix(self.stage1(x)))
        return f1, torch.relu(self.stage2(f1))


class TinyNeck(nn.Module):
    """TPN-like neck: ``out, loss_aux = neck(feats, target)``; 5D clip features in and out."""

    def __init__(self, in_channels=(8, 16), num_classes=5, loss_weight=0.5):
        super().__init__()
        self.fuse = nn.Conv3d(in_channels[1], in_channels[1], 1)
        self.aux_fc = nn.Linear(in_channels[0], num_classes)
        self.loss_weight = loss_weight
        self.init_calls = 0
        self.last_input_shapes = None

    def init_weights(self):
        self.init_calls += 1

    def forward(self, x, target=None):
        self.last_input_shapes = [tuple(f.shape) for f in x]
        # temporal pooling to length 1, like TPN's downsampling of 8-frame clips
        out = self.fuse(x[1]).mean(dim=2, keepdim=True)
        losses = {}
        if target is not None:
            aux_score = self.aux_fc(x[0].flatten(2).mean(dim=2))
            losses['loss_aux'] = self.loss_weight * F.cross_entropy(aux_score, target)
        return out, losses


class TinyHead(nn.Module):
    """TPNHead-like head: ``forward(x, num_segs=None, fcn_test=False)`` and ``loss``."""

    def __init__(self, in_channels=16, num_classes=5):
        super().__init__()
        self.fc_cls = nn.Linear(in_channels, num_classes)
        self.init_calls = 0

    def init_weights(self):
        self.init_calls += 1

    def forward(self, x, num_segs=None, fcn_test=False):
        if isinstance(x, tuple):
            x = x[-1]
        if fcn_test:
            pooled = x.flatten(2).mean(dim=2)
            return self.fc_cls(pooled)[..., None, None, None]
        if num_segs is None:
            return self.fc_cls(x.flatten(2).mean(dim=2))
        pooled = x.flatten(2).mean(dim=2).reshape(-1, num_segs, x.shape[1]).mean(dim=1)
        return self.fc_cls(pooled)

    def loss(self, cls_score, labels):
        top1 = (cls_score.argmax(dim=1) == labels).float().mean()
        return {
            'loss_cls': F.cross_entropy(cls_score, labels),
            'top1_acc': top1,
            'top5_acc': torch.ones_like(top1),
        }
