"""Tests of the local Durable host (devhost/), mirroring its packages."""
