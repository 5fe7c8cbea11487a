"""Shared fixtures: LibreOffice (the reference engine) must be present on CI."""
import os

import pytest

import libreoffice


@pytest.fixture(scope="session")
def soffice():
    """Skip locally without LibreOffice; fail on CI, where the cross-engine tests must run."""
    path = libreoffice.soffice_path()
    if path is None:
        message = "LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path
