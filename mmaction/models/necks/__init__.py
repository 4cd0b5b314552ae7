"""Necks."""

from .tpn import TPN

__all__ = ['TPN']
