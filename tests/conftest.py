from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator import KubeEmulator

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEED = FIXTURES / "clusters" / "seed-rke1.yaml"


@pytest.fixture
def seed_emulator() -> Iterator[KubeEmulator]:
    emulator = KubeEmulator.from_file(SEED)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()
