"""The collector pause: off inside, back as it was after, the outermost pause decides."""

from __future__ import annotations

import gc

import pytest

from loyalsheet.collector import paused


def test_paused_switches_the_collector_off_and_back_on() -> None:
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause leaves the switch to the outer one
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # what was made joined the oldest generation, not the frozen one


def test_an_error_inside_still_switches_it_back_on() -> None:
    with pytest.raises(ValueError), paused():
        raise ValueError("bad row")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off_and_inactive_leaves_it_alone() -> None:
    gc.disable()
    try:
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with paused(active=False):
        assert gc.isenabled()
