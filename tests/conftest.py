"""Shared fixtures: a quiet, double-precision TensorFlow as the independent reference."""

import gc
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pytest
from hypothesis import settings

# Property tests check values, not speed: on a busy 2-core machine a single example can take
# longer than hypothesis's default 200 ms deadline without anything being wrong.
settings.register_profile("book", deadline=None)
settings.load_profile("book")


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported once per session (it takes a few seconds)."""
    import tensorflow

    return tensorflow


@pytest.fixture
def rng():
    """A seeded generator, so every random test input is reproducible."""
    return np.random.default_rng(20261128)


#: Shapes on which elementwise functions are compared with the reference.
SHAPES = [(), (1,), (7,), (3, 4), (2, 3, 5)]


def pytest_sessionfinish(session, exitstatus):
    """Collect the garbage once more, then freeze what survives.

    After the session pytest runs five full garbage collections to report unraisable
    exceptions. With TensorFlow loaded each one walks millions of objects, and pytest-xdist
    gives a worker only 5 s to finish after its last report before it sends the worker a
    SIGINT, which surfaced as a ``KeyboardInterrupt`` inside hypothesis's gc callback. This
    collection still reports unraisable exceptions; freezing the survivors makes the later
    ones cheap.
    """
    gc.collect()
    gc.freeze()
