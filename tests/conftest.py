from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dockerd import PlantedDockerd, PrivateDockerd, plant
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


@pytest.fixture(scope="session")
def planted_dockerd() -> Iterator[PlantedDockerd]:
    """A private dockerd with each planted case of issue 15 (see tests/dockerd.py); fails, never skips."""
    daemon = PrivateDockerd().start()
    try:
        yield plant(daemon)
    finally:
        daemon.stop()


@pytest.fixture(scope="session")
def clean_dockerd() -> Iterator[PrivateDockerd]:
    daemon = PrivateDockerd().start()
    try:
        yield daemon
    finally:
        daemon.stop()
