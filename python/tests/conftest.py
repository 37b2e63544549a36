"""Shared test set-up for cqlio's Python package.

* Markers: ``integration`` (needs cqlio._core and a Cassandra node; see
  integration/conftest.py) and ``both_loops`` (the test runs once on the
  standard asyncio loop and once on uvloop; the uvloop run is skipped when
  uvloop is not installed).
* Tests are written for pytest-asyncio's strict mode (each async test carries
  ``@pytest.mark.asyncio``), so they need no ini setting.
"""
from __future__ import annotations

import asyncio
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)
if PACKAGE_ROOT not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, PACKAGE_ROOT)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: needs cqlio._core and a Cassandra node on 127.0.0.1:9042")
    config.addinivalue_line(
        "markers", "both_loops: runs on the asyncio loop and on uvloop")


# --------------------------------------------------------------------------
# asyncio and uvloop
# --------------------------------------------------------------------------

def _uvloop_factory() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        pytest.skip("uvloop is not installed")
    return uvloop.new_event_loop()


try:  # pytest-asyncio >= 1.3 has a hook for loop factories; older ones use the policy
    from pytest_asyncio.plugin import PytestAsyncioSpecs  # noqa: F401

    _HAS_LOOP_FACTORY_HOOK = True
except ImportError:
    _HAS_LOOP_FACTORY_HOOK = False


if _HAS_LOOP_FACTORY_HOOK:

    @pytest.hookimpl(optionalhook=True)
    def pytest_asyncio_loop_factories(config, item):  # type: ignore[no-untyped-def]
        if item.get_closest_marker("both_loops"):
            return {"asyncio": asyncio.new_event_loop, "uvloop": _uvloop_factory}
        return {"asyncio": asyncio.new_event_loop}

else:

    def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
        if metafunc.definition.get_closest_marker("both_loops") and \
                "event_loop_policy" in metafunc.fixturenames:
            metafunc.parametrize("event_loop_policy", ["asyncio", "uvloop"], indirect=True)

    @pytest.fixture
    def event_loop_policy(request: pytest.FixtureRequest) -> asyncio.AbstractEventLoopPolicy:
        if getattr(request, "param", "asyncio") == "uvloop":
            try:
                import uvloop
            except ImportError:
                pytest.skip("uvloop is not installed")
            return uvloop.EventLoopPolicy()
        return asyncio.DefaultEventLoopPolicy()
