"""The executors: in this process, a local pool, a Dask cluster; one registry picks them."""

from __future__ import annotations

import sys
from functools import partial

import pytest

from kit.exceptions import ParameterError
from kit.executors import EXECUTORS, kind_of, open_executor


def _square(x: int) -> int:
    return x * x


def _frozen_after_exit_handlers(_: int) -> int:
    """What a worker's exit handlers leave frozen (they run, here, before it exits)."""
    import atexit
    import gc

    atexit._run_exitfuncs()
    return gc.get_freeze_count()


def _fails_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def test_the_registry_names_every_kind_the_options_choose():
    assert set(EXECUTORS) == {"inline", "local", "dask"}
    assert kind_of(workers=1) == "inline"
    assert kind_of(workers=4) == "local"
    assert kind_of(workers=4, scheduler="tcp://10.0.0.5:8786") == "dask"
    assert kind_of(workers=1, scheduler="tcp://10.0.0.5:8786") == "dask"


@pytest.mark.parametrize("workers", [1, 2], ids=["inline", "local-pool"])
def test_map_returns_every_result(workers: int):
    with open_executor(workers=workers) as executor:
        assert executor.workers == workers
        assert sorted(executor.map(_square, [1, 2, 3, 4])) == [1, 4, 9, 16]


def test_a_local_workers_exit_hides_its_objects_from_the_last_collection():
    # the full collection at a worker's exit cost 1.6 to 2.3 s after reports (see executors)
    with open_executor(workers=2) as executor:
        assert next(iter(executor.map(_frozen_after_exit_handlers, [1]))) > 0


@pytest.mark.parametrize("workers", [1, 2], ids=["inline", "local-pool"])
def test_a_local_task_that_raises_gives_its_on_error_result(workers: int):
    with open_executor(workers=workers) as executor:
        found = executor.map(
            _fails_on_three, [1, 2, 3], on_error=lambda item, error: f"{item}: {error}"
        )
        assert sorted(map(str, found)) == ["1", "2", "3: three"]
        with pytest.raises(ValueError, match="three"):
            list(executor.map(_fails_on_three, [3]))


def test_a_scheduler_without_dask_installed_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(ParameterError) as info, open_executor(workers=2, scheduler="tcp://h:1"):
        pass
    assert "pip install 'crm-adoption-kit[dask]'" in str(info.value)
    assert "--scheduler needs Dask distributed" in str(info.value)


def test_assess_with_a_scheduler_without_dask_exits_2_before_reading(tmp_path, monkeypatch, capsys):
    from kit.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)
    export = tmp_path / "export"
    export.mkdir()
    (export / "users.csv").write_text("user_id,name,team,role\nu1,Ana,North,producer\n")
    out = tmp_path / "out"
    code = main(["assess", str(export), "--out", str(out), "--scheduler", "tcp://h:1"])
    assert code == 2
    assert "pip install 'crm-adoption-kit[dask]'" in capsys.readouterr().err
    assert not out.exists()


def test_release_runs_in_a_worker_that_outlives_the_run_and_never_fails_it(caplog):
    ran: list[str] = []
    with open_executor(workers=1, release=lambda: ran.append("released")) as executor:
        assert list(executor.map(abs, [-1])) == [1]
        assert ran == []
    assert ran == ["released"]  # this process outlives the run

    def fails() -> None:
        raise OSError("kernel gone")

    with open_executor(workers=1, release=fails):
        pass
    assert "could not release a worker: kernel gone" in caplog.text
    with pytest.raises(KeyboardInterrupt), open_executor(workers=1, release=fails):
        raise KeyboardInterrupt  # a stopped run waits for no worker
    assert caplog.text.count("could not release") == 1


def test_a_local_pools_workers_end_with_the_run_so_are_not_released(tmp_path):
    marker = tmp_path / "released"
    with open_executor(workers=2, release=partial(marker.write_text, "x")) as executor:
        assert sorted(executor.map(abs, [-1, 2])) == [1, 2]
    assert not marker.exists()
