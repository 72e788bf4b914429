"""The app for the security tests: the end-to-end suite's fixtures, with a devhost of this directory's own."""

from __future__ import annotations

from tests.e2e.conftest import api, app_base_url, management, workflow_blobs

__all__ = ["api", "app_base_url", "management", "workflow_blobs"]
