"""`make test` on pytest-xdist workers: its command, and the book built once for all of them."""

import json
import os
import re
import threading
import time

from conftest import ROOT, once_per_run


def test_make_test_runs_on_workers_that_keep_each_notebook_together():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^PYTEST_WORKERS \?= 2$", makefile, re.M)
    assert re.search(r"^XDIST := -n \$\(PYTEST_WORKERS\) --dist loadscope$", makefile, re.M)
    assert re.search(r"^\t.*-m pytest \$\(TESTS\) \$\(XDIST\) \$\(NBVAL\)", makefile, re.M)
    pins = dict(re.findall(r"^([\w.-]+)==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M))
    assert "pytest-xdist" in pins and "execnet" in pins


def test_the_book_is_built_once_per_run_and_a_failure_reaches_every_worker(tmp_path):
    stem = tmp_path / "_build" / "built_book"
    builds = []

    def build(failure=None):
        builds.append(1)
        return failure

    assert once_per_run(stem, "run-1", build) is None
    assert once_per_run(stem, "run-1", build) is None and len(builds) == 1  # reused
    assert once_per_run(stem, "run-2", lambda: build("broken")) == "broken"  # a new run builds
    assert len(builds) == 2
    # Another worker of that run: the same failure, not a second build.
    record = stem.with_suffix(".json")
    record.write_text(json.dumps({**json.loads(record.read_text()), "pid": os.getpid() + 1}))
    failure = once_per_run(stem, "run-2", build)
    assert failure.startswith("broken\n") and "another pytest-xdist worker" in failure
    assert len(builds) == 2


def test_a_second_worker_waits_for_the_build_under_way(tmp_path):
    stem = tmp_path / "built_book"
    started, builds, outcomes = threading.Event(), [], []

    def slow_build():
        builds.append(1)
        started.set()
        time.sleep(0.5)
        return None

    first = threading.Thread(target=lambda: outcomes.append(once_per_run(stem, "run", slow_build)))
    first.start()
    started.wait(10)
    began = time.monotonic()
    outcomes.append(once_per_run(stem, "run", slow_build))  # blocks on the lock until it is built
    waited = time.monotonic() - began
    first.join()
    assert builds == [1] and outcomes == [None, None]
    assert waited > 0.2, f"did not wait for the build under way ({waited:.2f} s)"
