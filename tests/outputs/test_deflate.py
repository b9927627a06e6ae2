"""DEFLATE of result.nc's chunks: libdeflate when present, zlib otherwise."""

import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from seabed.outputs import _deflate


@pytest.fixture
def shuffled_grades():
    """Chunks of float64 grades as HDF5's shuffle filter leaves them."""
    rng = np.random.default_rng(7)
    chunks = []
    for _ in range(8):
        values = 900.0 + 80.0 * rng.standard_normal((40, 64))
        values[:3] = np.nan  # cells without an estimate, as at a grid's edge
        flat = values.reshape(-1).view(np.uint8)
        chunks.append(np.ascontiguousarray(flat.reshape(-1, 8).T))
    return chunks


@pytest.mark.parametrize("level", [1, 4])
def test_the_stream_gives_back_the_bytes(shuffled_grades, level):
    for chunk in shuffled_grades:
        stream = _deflate.compress(chunk.data, level)
        assert zlib.decompress(stream) == chunk.tobytes()
        assert len(stream) < 0.9 * chunk.nbytes  # the exponents' bytes compress
    assert zlib.decompress(_deflate.compress(b"", 1)) == b""
    assert zlib.decompress(_deflate.compress(b"\x00" * 5000, 1)) == b"\x00" * 5000


def test_threads_compress_as_one_does(shuffled_grades):
    one = [_deflate.compress(chunk.data, 1) for chunk in shuffled_grades * 4]
    with ThreadPoolExecutor(4) as pool:
        many = list(
            pool.map(lambda c: _deflate.compress(c.data, 1), shuffled_grades * 4)
        )
    assert many == one


def test_without_libdeflate_zlib_compresses(shuffled_grades, monkeypatch):
    monkeypatch.setattr(_deflate, "_library", lambda: None)
    assert _deflate.compressor_name() == "zlib"
    chunk = shuffled_grades[0]
    assert _deflate.compress(chunk.data, 1) == zlib.compress(chunk.data, 1)


@pytest.mark.skipif(
    _deflate.compressor_name() != "libdeflate", reason="libdeflate is not installed"
)
def test_libdeflate_is_used_when_present(shuffled_grades):
    chunk = shuffled_grades[0]
    stream = _deflate.compress(chunk.data, 1)
    assert stream[:1] == b"\x78"  # a zlib header (RFC 1950: deflate, 32K window)
    assert zlib.decompress(stream) == chunk.tobytes()
