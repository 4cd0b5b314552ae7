"""Classification heads."""

from .base import AvgConsensus, BaseHead
from .tpn_head import TPNHead
from .tsn_head import TSNHead

__all__ = ['AvgConsensus', 'BaseHead', 'TSNHead', 'TPNHead']
