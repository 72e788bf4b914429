"""Tests of devhost.protocol: the pure history/episode/status layer, driven through the real SDK."""
