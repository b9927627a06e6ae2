"""Pre-flight: estimate memory and disk, and refuse what cannot fit, with the numbers."""

from collections import namedtuple

import pytest

from seabed.cli import main
from seabed.exceptions import ConfigError, InputError
from seabed.pipeline import (
    check_footprint,
    check_output_folder,
    estimate_footprint,
    preflight,
)

GB = 10**9


def footprint(n_rows, n_cols, tile_size=256):
    return estimate_footprint(
        n_rows, n_cols, tile_size=tile_size, n_neighbors=32, n_outputs=20, n_workers=2
    )


def test_tile_memory_is_bounded_by_the_tile_not_the_grid():
    small, large = footprint(1000, 1000), footprint(10_000, 10_000)
    assert small.tile_memory_bytes == large.tile_memory_bytes
    assert large.grid_memory_bytes == 100 * small.grid_memory_bytes
    assert large.disk_bytes == pytest.approx(100 * small.disk_bytes, rel=1e-6)
    # a tile of 256 x 256 nodes: 65,536 nodes x (2 + 32 + 42 + 3) x 8 bytes
    per_tile = 65_536 * 79 * 8 + 64 * 2**20
    assert small.tile_memory_bytes == 2 * per_tile


def test_a_grid_smaller_than_a_tile_counts_its_own_cells():
    assert (
        footprint(10, 20).tile_memory_bytes == footprint(10, 20, 4096).tile_memory_bytes
    )


def test_refuses_a_grid_too_big_for_memory_naming_the_numbers():
    need = footprint(20_000, 20_000)  # 4e8 cells
    with pytest.raises(ConfigError) as caught:
        check_footprint(
            need, ".", available_memory_bytes=16 * GB, free_disk_bytes=GB**2
        )
    message = str(caught.value)
    assert "400,000,000 cells" in message
    assert "16 GB is available" in message
    assert "grid.resolution_m" in message and "coarsen" in message


def test_refuses_tiles_too_big_for_memory_with_the_tile_size_fix():
    need = estimate_footprint(
        512, 512, tile_size=8192, n_neighbors=4096, n_outputs=2, n_workers=2
    )
    with pytest.raises(ConfigError, match="smaller tile size"):
        check_footprint(need, ".", available_memory_bytes=GB, free_disk_bytes=GB**2)


def test_refuses_a_full_disk(tmp_path):
    need = footprint(20_000, 20_000)
    with pytest.raises(InputError, match=r"up to 14.9 GB of disk .* only 1 GB is free"):
        check_footprint(
            need, tmp_path, available_memory_bytes=GB**2, free_disk_bytes=GB
        )


def test_the_result_dataset_counts_on_disk(tmp_path):
    """result.nc holds every layer as float64: 20 grades, the deviation and the 40
    derived layers, 488 bytes a cell uncompressed; a full disk names the way out."""
    kwargs = {"tile_size": 256, "n_neighbors": 32, "n_outputs": 20}
    without = estimate_footprint(10_000, 10_000, **kwargs)
    with_dataset = estimate_footprint(10_000, 10_000, writes_dataset=True, **kwargs)
    assert with_dataset.disk_bytes - without.disk_bytes == 10**8 * 8 * (20 + 1 + 40)
    with pytest.raises(InputError, match=r'output\.dataset = "none"'):
        check_footprint(
            with_dataset, tmp_path, available_memory_bytes=GB**2, free_disk_bytes=GB
        )


def test_accepts_what_fits(tmp_path):
    check_footprint(footprint(100, 100), tmp_path / "new")  # this machine's budget


def test_output_folder_checks(tmp_path):
    check_output_folder(tmp_path / "a" / "b")
    assert not (tmp_path / "a").exists()  # nothing created
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        check_output_folder(tmp_path / "file.txt")
    with pytest.raises(InputError, match="cannot be created"):
        check_output_folder(tmp_path / "file.txt" / "deeper" / "out")


def test_the_command_line_refuses_before_computing(tmp_path, monkeypatch, capsys):
    """With a fake 50 MB of memory, the demo is refused in one line, writing nothing."""
    memory = namedtuple("memory", "available")
    monkeypatch.setattr(preflight.psutil, "virtual_memory", lambda: memory(50 * 10**6))
    out = tmp_path / "out"
    assert main(["demo", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert "of memory" in err and "50 MB is available" in err
    assert "smaller tile size" in err  # the demo grid is small: tiles dominate
    assert not out.exists()
