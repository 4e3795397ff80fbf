"""A study's jobs time compiled code: while a job runs, kernels and the method's loop compile in
this process (``OPTAD_TIERED=0``), and the caller's setting is restored after."""
import os
import threading

from optad.experiments import jobs


def test_tiering_is_off_inside_and_restored_after(monkeypatch):
    monkeypatch.setenv("OPTAD_TIERED", "auto")
    with jobs._compiled_in_this_process():
        assert os.environ["OPTAD_TIERED"] == "0"
    assert os.environ["OPTAD_TIERED"] == "auto"
    monkeypatch.delenv("OPTAD_TIERED")
    with jobs._compiled_in_this_process():
        assert os.environ["OPTAD_TIERED"] == "0"
    assert "OPTAD_TIERED" not in os.environ


def test_overlapping_jobs_in_threads_keep_it_off_until_the_last_ends(monkeypatch):
    monkeypatch.setenv("OPTAD_TIERED", "1")
    inside, release, seen = threading.Event(), threading.Event(), []

    def job():
        with jobs._compiled_in_this_process():
            inside.set()
            release.wait(10)
            seen.append(os.environ["OPTAD_TIERED"])

    other = threading.Thread(target=job)
    other.start()
    inside.wait(10)
    with jobs._compiled_in_this_process():
        pass                      # a shorter job ends first: the other still sees "0"
    release.set()
    other.join(10)
    assert seen == ["0"]
    assert os.environ["OPTAD_TIERED"] == "1"
