"""Tests of seabed.report's maps and charts: map furniture in the right place, charts showing the data."""

import dask
import dask.array
import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
import xarray as xr
from dask.callbacks import Callback
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from seabed.exceptions import MissingCRSError
from seabed.grid import make_grid
from seabed.report import charts, maps

matplotlib.use("Agg")

GEOD = pyproj.Geod(ellps="WGS84")
TO_LONLAT = pyproj.Transformer.from_crs(32656, 4326, always_xy=True)


@pytest.fixture
def ax():
    return Figure(figsize=(6.4, 5.0), layout="constrained").add_subplot()


@pytest.fixture(scope="module")
def grid():
    """About 41 x 33 km at 1 km, in UTM 56N (the Takaya et al. box's corner)."""
    return make_grid((153.5, 21.8, 153.9, 22.1), 1000.0)


def grade_of(grid):
    values = np.linspace(500.0, 1500.0, grid.cell_area_m2.size).reshape(
        grid.cell_area_m2.shape
    )
    da = grid.cell_area_m2.copy(data=values)
    return da.assign_attrs(units="ppm", long_name="total REY grade")


def labels(ticklabels):
    return [t.get_text() for t in ticklabels]


def degrees(label):
    """'153°35′E' -> 153.5833..., '21.9°N' -> 21.9."""
    whole, rest = label[:-1].split("°")
    return float(whole) + (float(rest.removesuffix("′")) / 60 if rest else 0.0)


# --------------------------------------------------------------------------- graticule
def test_graticule_labels_sit_where_their_meridians_cross_the_frame(ax, grid):
    maps.plot_map(grade_of(grid), ax)
    (x0, _), (y0, _) = ax.get_xlim(), ax.get_ylim()
    xticks, xlabels = ax.get_xticks(), labels(ax.get_xticklabels())
    # 0.4° across: the finest round step with at most 7 lines is 5 minutes
    assert xlabels == ["153°30′E", "153°35′E", "153°40′E", "153°45′E", "153°50′E"]
    for x, text in zip(xticks, xlabels):
        lon, _ = TO_LONLAT.transform(x, y0)  # on the bottom edge of the frame
        assert lon == pytest.approx(degrees(text), abs=1e-6)  # 0.1 m
    yticks, ylabels = ax.get_yticks(), labels(ax.get_yticklabels())
    assert ylabels[0] == "21°50′N" and len(ylabels) == 4
    for y, text in zip(yticks, ylabels):
        _, lat = TO_LONLAT.transform(x0, y)  # on the left edge
        assert lat == pytest.approx(degrees(text), abs=1e-6)


def test_graticule_in_minutes_and_other_hemispheres():
    assert maps._format_degrees(21.8, "NS", 6 / 60) == "21.8°N"
    assert maps._format_degrees(21.8, "NS", 2 / 60) == "21°48′N"
    assert maps._format_degrees(-33.25, "NS", 0.25) == "33°15′S"
    assert maps._format_degrees(-70.0, "EW", 5.0) == "70°W"
    assert maps._format_degrees(190.0, "EW", 10.0) == "170°W"  # wrapped
    assert maps._format_degrees(180.0, "EW", 10.0) == "180°E"
    assert maps._nice_step(0.6) == 0.1
    assert maps._nice_step(6.0) == 1.0
    assert maps._nice_step(0.05) == 1 / 60


def test_graticule_step_can_be_given(ax, grid):
    maps.plot_map(grade_of(grid), ax)
    step = maps.add_graticule(ax, grid.rio.crs, step_deg=0.25)
    assert step == 0.25
    assert labels(ax.get_xticklabels()) == ["153°30′E", "153°45′E"]


# --------------------------------------------------------------------------- scale bar
def bar_of(ax):
    bars = [a for a in ax.artists if hasattr(a, "size_bar")]
    assert len(bars) == 1
    rectangle = bars[0].size_bar.get_children()[0]
    return rectangle.get_width()


def test_scale_bar_has_its_geodesic_length_in_utm(ax, grid):
    x0, y0, x1, y1 = grid.rio.bounds()
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    length_m = maps.add_scale_bar(ax, grid.rio.crs)
    assert length_m == 5000.0  # 41 km across / 5, rounded down to 1-2-5
    width = bar_of(ax)
    # the bar's two ends, laid at mid-height, are length_m apart on the ellipsoid
    (x0, _), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    lon, lat = TO_LONLAT.transform([x0, x0 + width], [(y0 + y1) / 2] * 2)
    ground = GEOD.inv(lon[0], lat[0], lon[1], lat[1])[2]
    assert ground == pytest.approx(length_m, rel=1e-3)


def test_scale_bar_corrects_mercator_stretch(ax):
    # at 60°N Web Mercator stretches distances by 1 / cos(60°) = 2
    mercator = pyproj.CRS.from_epsg(3857)
    to_xy = pyproj.Transformer.from_crs(4326, mercator, always_xy=True)
    x0, y0 = to_xy.transform(10.0, 59.9)
    x1, y1 = to_xy.transform(11.0, 60.1)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    length_m = maps.add_scale_bar(ax, mercator)
    assert length_m == 10_000.0  # 55.7 km across
    assert bar_of(ax) == pytest.approx(2.0 * length_m, rel=0.01)


# --------------------------------------------------------------------------- maps
def test_map_shows_values_north_up_with_blank_nan_and_units(ax, grid):
    grade = grade_of(grid)
    grade[0, 0] = np.nan  # north-west corner
    maps.plot_map(grade, ax)
    [image] = ax.get_images()
    shown = image.get_array()
    assert shown.shape == grade.shape
    assert np.ma.is_masked(shown[0, 0])
    np.testing.assert_array_equal(shown[1:, 1:], grade.values[1:, 1:])
    left, right, bottom, top = image.get_extent()
    assert (left, bottom, right, top) == pytest.approx(grid.rio.bounds())
    assert ax.get_title() == "total REY grade"
    colorbar_axes = [a for a in ax.figure.axes if a is not ax]
    assert colorbar_axes[0].get_ylabel() == "total REY grade (ppm)"


def test_map_of_a_south_up_grid_is_flipped(ax, grid):
    grade = grade_of(grid)
    maps.plot_map(grade.isel(y=slice(None, None, -1)), ax)
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), grade.values)


def test_map_without_crs_is_refused(ax):
    bare = xr.DataArray(
        np.ones((2, 2)), dims=("y", "x"), coords={"y": [1, 0], "x": [0, 1]}
    )
    with pytest.raises(MissingCRSError, match="has no CRS"):
        maps.plot_map(bare, ax)


def test_class_map_lists_classes_with_their_cell_counts(ax, grid):
    codes = xr.zeros_like(grid.cell_area_m2, dtype=np.uint8) + 3
    codes[:2, :] = 2
    codes[0, 0] = 0
    codes.attrs["flag_meanings"] = "unclassified measured indicated inferred"
    maps.plot_class_map(codes, ax)
    texts = labels(ax.get_legend().get_texts())
    n_x = grid.sizes["x"]
    assert texts == [
        "unclassified (1 cells)",
        f"indicated ({2 * n_x - 1:,} cells)",
        f"inferred ({codes.size - 2 * n_x:,} cells)",
    ]
    shown = ax.get_images()[0]
    rgba = shown.to_rgba(shown.get_array())
    assert matplotlib.colors.to_hex(rgba[0, 0]) == maps.CLASS_COLORS["unclassified"]
    assert matplotlib.colors.to_hex(rgba[-1, -1]) == maps.CLASS_COLORS["inferred"]


def test_exclusion_map_shows_the_excluded_share(ax, grid):
    available = xr.ones_like(grid.cell_area_m2)
    available[:, :10] = 0.25
    maps.plot_exclusion_map(available.rio.write_crs(grid.rio.crs), ax)
    shown = ax.get_images()[0].get_array()
    assert shown[0, 0] == pytest.approx(0.75)
    assert shown[0, -1] == 0.0


def zone_frame(grid):
    """A protected area in the grid, and an include zone far away."""
    inside = shapely.box(153.6, 21.9, 153.7, 22.0)
    far = shapely.box(160.0, 30.0, 161.0, 31.0)
    return gpd.GeoDataFrame(
        {"reason": ["protected area", "licence"], "kind": ["exclude", "include"]},
        geometry=[inside, far],
        crs="EPSG:4326",
    )


def test_zones_outlined_in_the_grid_crs_and_only_when_in_view(ax, grid):
    maps.plot_map(grade_of(grid), ax, zones=zone_frame(grid))
    [lines] = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert lines.get_label() == "exclude: protected area"
    drawn = np.concatenate(lines.get_segments())
    expected = zone_frame(grid).to_crs(grid.rio.crs).geometry[0].bounds
    assert drawn.min(axis=0) == pytest.approx(expected[:2], abs=1.0)
    assert drawn.max(axis=0) == pytest.approx(expected[2:], abs=1.0)
    # densified: the top edge (a parallel) is drawn with many vertices
    assert len(drawn) > 20
    assert "include: licence" not in labels(ax.get_legend().get_texts())


def test_cores_marked_and_short_cores_crossed(ax, grid):
    cores = pd.DataFrame(
        {
            "lon": [153.6, 153.7, 153.8],
            "lat": [21.9, 22.0, 22.05],
            "reaches_bottom": [True, True, False],
        }
    )
    maps.plot_map(grade_of(grid), ax, cores=cores)
    texts = labels(ax.get_legend().get_texts())
    assert texts == ["cores (2)", "short cores, not used (1)"]
    used, short = ax.collections[:2]
    to_xy = pyproj.Transformer.from_crs(4326, grid.rio.crs, always_xy=True)
    np.testing.assert_allclose(
        short.get_offsets()[0], to_xy.transform(153.8, 22.05), atol=1e-6
    )
    assert len(used.get_offsets()) == 2


def test_location_map_extends_to_the_zones(ax, grid):
    zones = zone_frame(grid)
    depth = xr.DataArray(
        np.full((40, 90), 5500.0),
        dims=("y", "x"),
        coords={"y": np.linspace(31.9, 20.1, 40), "x": np.linspace(150.1, 162.0, 90)},
    ).rio.write_crs("EPSG:4326")
    maps.plot_location_map(
        grid.rio.bounds(), grid.rio.crs, ax, zones=zones, water_depth=depth
    )
    far = zones.to_crs(grid.rio.crs).geometry[1].bounds
    (x0, x1), (_, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < grid.rio.bounds()[0] and x1 > far[2] and y1 > far[3]
    texts = labels(ax.get_legend().get_texts())
    assert texts[0] == "estimation grid"
    assert "include: licence" in texts
    assert len(ax.get_images()) == 1  # the water depth


# --------------------------------------------------------------------------- charts
@pytest.fixture
def cross_validation():
    rng = np.random.default_rng(3)
    observed = rng.uniform(400.0, 2000.0, 50)
    prediction = observed + rng.normal(0.0, 100.0, 50)
    std = np.full(50, 100.0)
    return pd.DataFrame(
        {
            "x": rng.uniform(560_000.0, 600_000.0, 50),
            "y": rng.uniform(2_415_000.0, 2_440_000.0, 50),
            "observed": observed,
            "prediction": prediction,
            "std": std,
            "residual": observed - prediction,
            "zscore": (observed - prediction) / std,
        }
    )


def test_cross_validation_scatter_is_square_with_its_statistics(ax, cross_validation):
    charts.plot_cross_validation(cross_validation, ax)
    assert ax.get_xlim() == ax.get_ylim()
    [points] = ax.collections
    np.testing.assert_array_equal(
        points.get_offsets(), cross_validation[["observed", "prediction"]].to_numpy()
    )
    [one_to_one] = ax.get_lines()
    np.testing.assert_array_equal(one_to_one.get_xdata(), one_to_one.get_ydata())
    rmse = np.sqrt(np.mean(cross_validation["residual"] ** 2))
    assert f"RMSE = {rmse:,.1f} ppm" in ax.texts[0].get_text()


def test_cross_validation_map_centres_the_colours_on_zero(ax, cross_validation):
    charts.plot_cross_validation_map(cross_validation, 32656, ax)
    [points] = [c for c in ax.collections if len(c.get_offsets()) == 50]
    largest = np.abs(cross_validation["residual"]).max()
    assert points.norm.vmin == pytest.approx(-largest)
    assert points.norm.vmax == pytest.approx(largest)
    assert points.norm(0.0) == pytest.approx(0.5)


def test_grade_tonnage_curve_plots_the_table(ax):
    table = pd.DataFrame(
        {
            "cutoff_ppm": [0.0, 500.0, 1000.0],
            "ore_t": [2e9, 1.5e9, 0.5e9],
            "mean_rey_ppm": [900.0, 1000.0, 1300.0],
        }
    )
    charts.plot_grade_tonnage(table, ax, cutoffs_ppm=[400.0])
    ore, cutoff_line = ax.get_lines()
    np.testing.assert_array_equal(ore.get_ydata(), [2000.0, 1500.0, 500.0])
    assert list(cutoff_line.get_xdata()) == [400.0, 400.0]
    [grade_axes] = [a for a in ax.figure.axes if a is not ax]
    np.testing.assert_array_equal(
        grade_axes.get_lines()[0].get_ydata(), table["mean_rey_ppm"]
    )


def test_grade_profile_steps_down_the_slices(ax):
    slices = pd.DataFrame(
        {
            "top_m": [1.0, 0.0, 2.0],  # any order
            "bottom_m": [2.0, 1.0, 3.0],
            "mean_rey_ppm": [900.0, 600.0, 1500.0],
        }
    )
    charts.plot_grade_profile(slices, ax)
    [line] = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), [0, 1, 1, 2, 2, 3])
    np.testing.assert_array_equal(line.get_xdata(), [600, 600, 900, 900, 1500, 1500])
    assert ax.yaxis_inverted()
    assert ax.get_xlabel() == "mean REY grade (ppm)"


def test_functions_make_their_own_figure_without_ax():
    table = pd.DataFrame({"observed": [1.0, 2.0], "prediction": [1.5, 2.5]})
    ax = charts.plot_cross_validation(table)
    assert ax.figure is not None
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


# --------------------------------------------------------------------------- large grids
def cell_numbers(n_cells: int, chunk: int) -> dask.array.Array:
    """``row * n_cells + column`` of each cell, lazily, in square chunks."""
    index = dask.array.arange(n_cells, chunks=chunk, dtype=float)
    return index[:, None] * n_cells + index[None, :]


def lazy_grid(grid, values: dask.array.Array) -> xr.DataArray:
    """``values`` (square, dask) on cells over ``grid``'s footprint, north-up, with
    the grid's CRS."""
    n_cells = values.shape[0]
    left, bottom, right, top = grid.rio.bounds()
    centres = (np.arange(n_cells) + 0.5) / n_cells
    da = xr.DataArray(
        values,
        dims=("y", "x"),
        coords={
            "x": left + (right - left) * centres,
            "y": top - (top - bottom) * centres,
        },
    )
    return da.rio.write_crs(grid.rio.crs)


def test_large_lazy_grid_is_drawn_from_one_cell_per_block(ax, grid):
    n = 4000
    lazy = lazy_grid(grid, cell_numbers(n, 500)).assign_attrs(units="ppm")
    task_bytes = []
    with (
        dask.config.set(scheduler="synchronous"),
        Callback(posttask=lambda key, out, *_: task_bytes.append(out.nbytes)),
    ):
        maps.plot_map(lazy, ax)
    assert maps.map_stride(lazy) == 3
    [image] = ax.get_images()
    shown = image.get_array()
    # the centre cell of each 3 x 3 block: rows and columns 1, 4, 7 ... 3997
    kept = 1 + 3 * np.arange(1333)
    assert shown.shape == (1333, 1333)
    np.testing.assert_array_equal(shown, kept[:, None] * n + kept[None, :])
    # each pixel covers its block; the frame is the whole grid's
    left, right, _, top = image.get_extent()
    x0, _, x1, y1 = lazy.rio.bounds()
    assert (left, top) == pytest.approx((x0, y1))
    assert right - left == pytest.approx(1333 * 3 * (x1 - x0) / n)
    assert ax.get_xlim() == pytest.approx((x0, x1))
    # no task held more than a chunk or the decimated map (the grid is 128 MB)
    assert max(task_bytes) <= shown.size * 8
    assert lazy.chunks is not None  # and the grid itself stays lazy
    notes = [text.get_text() for text in ax.texts]
    assert "1 cell in every 3 × 3 drawn" in notes


def test_class_map_of_a_large_lazy_grid_counts_every_cell(ax, grid):
    n = 3000  # a multiple of 4: each code on a quarter of the cells
    lazy = lazy_grid(grid, (cell_numbers(n, 1000) % 4).astype(np.uint8))
    maps.plot_class_map(lazy, ax)
    quarter = f"{n * n // 4:,}"
    assert labels(ax.get_legend().get_texts()) == [
        f"{name} ({quarter} cells)" for name in maps.CLASS_COLORS
    ]
    assert ax.get_images()[0].get_array().shape == (1500, 1500)


def test_small_grids_are_drawn_whole(grid):
    grade = grade_of(grid)
    assert maps.map_stride(grade) == 1
    assert maps.decimate(grade) is grade


# --------------------------------------------------------------------------- charts
def test_tonnage_distribution_marks_percentiles_and_the_kriged_figure(ax):
    tonnes = np.linspace(9e6, 12e6, 31)  # 31 realisations
    charts.plot_tonnage_distribution(tonnes, ax, kriged_t=10.0e6, title="cut-off 0")
    p10, p50, p90, kriged = ax.get_lines()
    assert p10.get_xdata()[0] == pytest.approx(9.3)  # Mt
    assert p50.get_xdata()[0] == pytest.approx(10.5)
    assert p90.get_xdata()[0] == pytest.approx(11.7)
    assert kriged.get_xdata()[0] == pytest.approx(10.0)
    assert [line.get_label() for line in (p10, kriged)] == ["P10 9.3", "kriged 10"]
    heights = [patch.get_height() for patch in ax.patches]
    assert sum(heights) == 31  # every realisation in a bar
    assert ax.get_xlabel() == "TREO (Mt)"
