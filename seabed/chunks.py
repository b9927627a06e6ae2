"""How much of a grid a run works on at once: every run-level chunk size, in one place.

A run never holds a large grid whole: it builds the grid's cell areas, estimates and
accounts for it, writes its maps and draws its figures piece by piece. Each size here
bounds the memory of one of those steps and says why it has its value. They are plain
module constants, read when used (``chunks.BLOCK_CELLS``), so that a test can make
them small with ``monkeypatch.setattr(seabed.chunks, "BLOCK_CELLS", ...)``.

:mod:`seabed.geostats` keeps its own sizes: it is independent of the rest of seabed.

Examples
--------
>>> from seabed import chunks
>>> chunks.BLOCK_CELLS, chunks.IN_MEMORY_CELLS, chunks.MAX_MAP_CELLS
(262144, 4194304, 1500)
>>> chunks.BLOCK_CELLS * 1.5e3 / 2**30 < 1  # GiB held by one block of rows, at most
True
"""

from __future__ import annotations

__all__ = [
    "AREA_FACTOR_CELLS",
    "BLOCK_CELLS",
    "COG_TILE",
    "GDAL_CACHE_BYTES",
    "IN_MEMORY_CELLS",
    "MAX_MAP_CELLS",
    "READ_CHUNK",
]

#: Cells of one block of grid rows estimated and accounted for at a time
#: (:func:`seabed.pipeline.block_rows`). A block holds about 1.5 KB per cell at its
#: peak (every grade, slice, fraction and tonnage, and the steps' temporaries), and a
#: run has one block in flight per worker: with 2**18 cells two workers peaked at
#: 2.0-2.1 GB on a 10^7-cell run, against 3.3-3.5 GB with 2**19, for 6 % more time
#: (docs/performance.md). It depends on the grid's width only, never on tiles or
#: workers, so the blocks, and the sums over them, are the same for every tile size
#: and cluster.
BLOCK_CELLS = 2**18

#: Grids up to this many cells keep every variable of every cell in
#: ``RunResult.dataset`` (about 550 bytes a cell with ten depth slices: 2.3 GB);
#: larger ones keep only the written maps, opened lazily from the output folder.
IN_MEMORY_CELLS = 2**22

#: Cells whose areal scale factors :mod:`seabed.grid` asks PROJ for in one call:
#: PROJ returns twelve arrays of factors per call, so 2**18 cells (up to four nodes
#: each) keep them under about 100 MB.
AREA_FACTOR_CELLS = 2**18

#: Side of the tiles of every GeoTIFF written (pixels): GDAL's COG default, small
#: enough that the overviews of a survey-sized grid still have a few levels.
COG_TILE = 256

#: Bytes of GDAL's block cache while a run makes its COGs and reads its maps back
#: (the report, the checks): GDAL's default, 5 % of the machine's memory, is
#: filled by the tiles of a 10^8-cell map (400 MB each) and kept; 256 MiB is
#: plenty for reading and writing tiles in order.
GDAL_CACHE_BYTES = 2**28

#: Side of the chunks (cells) the written maps are read back in, lazily, when the
#: cells are not kept in memory: four COG tiles a side, 8 MB of float64 per chunk.
READ_CHUNK = 1024

#: Most cells along each side of a grid a figure draws: finer than a page or a
#: screen shows, and at most 18 MB of float64 read per map however large the grid.
MAX_MAP_CELLS = 1500
