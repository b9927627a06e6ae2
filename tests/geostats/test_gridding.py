"""Gridding fitted estimators to xarray (``.grid()``) and GeoDataFrame samples."""

import dask.array as da
import geopandas as gpd
import numpy as np
import pytest
import rasterio
import xarray as xr
from sklearn.base import clone
from sklearn.linear_model import LinearRegression

from seabed.exceptions import InputError
from seabed.geostats import (
    InverseDistanceWeighting,
    OrdinaryKriging,
    RegressionKriging,
    UniversalKriging,
    Variogram,
)
from seabed.geostats.gridding import coordinates, grid_coordinates

CRS = "EPSG:32656"
X0, Y0 = 500_000.0, 2_300_000.0
VG = Variogram("spherical", psill=1.0, range=3000.0, nugget=0.05)


@pytest.fixture
def samples():
    rng = np.random.default_rng(7)
    X = rng.uniform(0, 5000, (40, 2)) + np.array([X0, Y0])
    y = np.sin(X[:, 0] / 900) + np.cos(X[:, 1] / 1300) + rng.normal(0, 0.1, 40)
    return X, y


BOUNDS = (X0, Y0, X0 + 5000, Y0 + 4000)


def centres(ds):
    yy, xx = np.meshgrid(ds.y.values, ds.x.values, indexing="ij")
    return np.column_stack([xx.ravel(), yy.ravel()])


def test_grid_values_equal_predict_at_the_cell_centres(samples):
    X, y = samples
    ok = OrdinaryKriging(VG, n_neighbors=12).fit(X, y)
    ds = ok.grid(bounds=BOUNDS, spacing=500, crs=CRS, units="ppm", name="rey")
    assert ds["rey"].dims == ("y", "x")
    assert ds.sizes == {"y": 8, "x": 10}
    assert ds.x.values[0] == X0 + 250 and ds.y.values[0] == Y0 + 4000 - 250
    assert np.all(np.diff(ds.y.values) < 0)
    mean, std = ok.predict(centres(ds), return_std=True)
    np.testing.assert_array_equal(ds["rey"].values.ravel(), mean)
    np.testing.assert_array_equal(ds["rey_std"].values.ravel(), std)


def test_grid_has_crs_cf_attributes_nodata_and_lon_lat(samples):
    X, y = samples
    ds = (
        OrdinaryKriging(VG, n_neighbors=8)
        .fit(X, y)
        .grid(bounds=BOUNDS, spacing=1000, crs=CRS, units="ppm", long_name="REY")
    )
    assert ds.rio.crs.to_epsg() == 32656
    assert ds["estimate"].attrs["units"] == "ppm"
    assert ds["estimate"].attrs["long_name"] == "REY"
    assert ds["estimate_std"].attrs["units"] == "ppm"
    assert ds["estimate_std"].attrs["long_name"] == "standard deviation of REY"
    assert "grid_mapping" in ds["estimate"].attrs or "grid_mapping" in (
        ds["estimate"].encoding
    )
    assert np.isnan(ds["estimate"].rio.encoded_nodata)
    assert ds["x"].attrs["standard_name"] == "projection_x_coordinate"
    assert ds["y"].attrs["standard_name"] == "projection_y_coordinate"
    assert ds["x"].attrs["units"] == "m"
    assert ds["lon"].dims == ("y", "x") and ds["lat"].attrs["units"] == "degrees_north"
    assert ds["lon"].attrs["standard_name"] == "longitude"
    assert 152 < float(ds["lon"].mean()) < 154 and 20 < float(ds["lat"].mean()) < 22


def test_a_variable_writes_a_geotiff_with_crs_and_units(samples, tmp_path):
    X, y = samples
    ds = (
        OrdinaryKriging(VG, n_neighbors=8)
        .fit(X, y)
        .grid(bounds=BOUNDS, spacing=1000, crs=CRS, units="ppm")
    )
    path = tmp_path / "estimate.tif"
    ds["estimate"].rio.to_raster(path)
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32656
        assert src.tags()["units"] == "ppm"
        assert np.isnan(src.nodata)
        np.testing.assert_array_equal(src.read(1), ds["estimate"].values)
        assert src.transform.c == X0 and src.transform.f == Y0 + 4000


def test_chunked_template_equals_the_unchunked_grid(samples):
    X, y = samples
    ok = OrdinaryKriging(VG, n_neighbors=10).fit(X, y)
    whole = ok.grid(bounds=BOUNDS, spacing=250, crs=CRS)
    template = xr.Dataset(
        {"depth": (("y", "x"), np.zeros((whole.sizes["y"], whole.sizes["x"])))},
        coords={"y": whole.y.values, "x": whole.x.values},
    ).rio.write_crs(CRS)
    lazy = ok.grid(template=template.chunk({"y": 5, "x": 7}))
    assert lazy["estimate"].chunks == ((5, 5, 5, 1), (7, 7, 6))
    np.testing.assert_array_equal(lazy["estimate"].values, whole["estimate"].values)
    np.testing.assert_array_equal(
        lazy["estimate_std"].values, whole["estimate_std"].values
    )
    by_argument = ok.grid(bounds=BOUNDS, spacing=250, crs=CRS, chunks=6)
    np.testing.assert_array_equal(
        by_argument["estimate"].compute().values, whole["estimate"].values
    )
    assert lazy.rio.crs.to_epsg() == 32656


def test_geographic_crs_is_refused(samples):
    X, y = samples
    ok = OrdinaryKriging(VG).fit(X, y)
    with pytest.raises(InputError, match="not projected"):
        ok.grid(bounds=(150, 20, 151, 21), spacing=0.1, crs="EPSG:4326")
    template = xr.DataArray(
        np.zeros((2, 2)),
        coords={"y": [21.0, 20.0], "x": [150.0, 151.0]},
        dims=("y", "x"),
    ).rio.write_crs("EPSG:4326")
    with pytest.raises(InputError, match="project"):
        ok.grid(template=template)


def test_grid_needs_a_grid(samples):
    X, y = samples
    ok = OrdinaryKriging(VG).fit(X, y)
    with pytest.raises(InputError, match="bounds"):
        ok.grid(spacing=10)


def test_idw_grid_has_no_std(samples):
    X, y = samples
    idw = InverseDistanceWeighting(n_neighbors=8).fit(X, y)
    ds = idw.grid(bounds=BOUNDS, spacing=1000, crs=CRS, name="rey")
    assert list(ds.data_vars) == ["rey"]
    np.testing.assert_array_equal(ds["rey"].values.ravel(), idw.predict(centres(ds)))


def test_regression_kriging_grids_with_template_covariates(samples):
    X, y = samples
    cov = X[:, 1] / 1000.0
    rk = RegressionKriging(LinearRegression(), VG, n_neighbors=10)
    rk.fit(np.column_stack([X, cov]), y)
    x, ycoords = grid_coordinates(BOUNDS, 1000)
    yy = np.broadcast_to(ycoords[:, None], (len(ycoords), len(x)))
    template = xr.Dataset(
        {"northing_km": (("y", "x"), yy / 1000.0)}, coords={"y": ycoords, "x": x}
    )
    ds = rk.grid(template=template, covariates=["northing_km"], crs=CRS)
    nodes = centres(ds)
    mean, std = rk.predict(np.column_stack([nodes, nodes[:, 1] / 1000]), True)
    np.testing.assert_array_equal(ds["estimate"].values.ravel(), mean)
    np.testing.assert_array_equal(ds["estimate_std"].values.ravel(), std)
    chunked = rk.grid(
        template=template, covariates=["northing_km"], crs=CRS, chunks={"x": 2}
    )
    np.testing.assert_array_equal(chunked["estimate"].values, ds["estimate"].values)


def test_multi_output_grid_has_one_variable_per_output(samples):
    X, y = samples
    Y = np.column_stack([y, 2 * y])
    uk = UniversalKriging(VG, n_neighbors=12).fit(X, Y)
    ds = uk.grid(bounds=BOUNDS, spacing=1000, crs=CRS, names=["a", "b"], units="%")
    assert {"a", "b", "estimate_std"} <= set(ds.data_vars)
    assert ds["b"].attrs["long_name"] == "b"
    assert ds["estimate_std"].attrs["long_name"] == "standard deviation of estimate"
    np.testing.assert_allclose(ds["b"].values, 2 * ds["a"].values, rtol=1e-12)
    with pytest.raises(InputError, match="names"):
        uk.grid(bounds=BOUNDS, spacing=1000, crs=CRS, names=["a"])


def test_geodataframe_samples_become_projected_coordinates(samples):
    X, y = samples
    lon_lat = gpd.GeoDataFrame(
        {"rey": y}, geometry=gpd.points_from_xy(*X.T), crs=CRS
    ).to_crs("EPSG:4326")
    Xp = coordinates(lon_lat, CRS)
    np.testing.assert_allclose(Xp, X, atol=1e-6)
    ok = clone(OrdinaryKriging(VG)).fit(Xp, lon_lat["rey"])
    assert ok.grid(bounds=BOUNDS, spacing=2500, crs=CRS)["estimate"].shape == (2, 2)
    with pytest.raises(InputError, match="not projected"):
        coordinates(lon_lat, "EPSG:4326")
    with pytest.raises(InputError, match="no CRS"):
        coordinates(lon_lat.set_crs(None, allow_override=True), CRS)


def test_a_dask_backed_dataarray_template_gives_a_lazy_identical_grid(samples):
    X, y = samples
    ok = OrdinaryKriging(VG, n_neighbors=10).fit(X, y)
    whole = ok.grid(bounds=BOUNDS, spacing=500, crs=CRS)
    template = (
        xr.zeros_like(whole["estimate"])
        .drop_vars(["lon", "lat"])
        .chunk({"y": 3, "x": 4})
        .rio.write_crs(CRS)
    )
    lazy = ok.grid(template=template)
    assert isinstance(lazy["estimate"].data, da.Array)
    assert isinstance(lazy["lon"].data, da.Array)  # lon/lat lazy as well
    computed = lazy.compute()
    for name in ("estimate", "estimate_std", "lon", "lat"):
        np.testing.assert_array_equal(computed[name].values, whole[name].values)


def test_covariates_of_a_chunked_template_stay_lazy(samples):
    X, y = samples
    rk = RegressionKriging(LinearRegression(), VG, n_neighbors=10)
    rk.fit(np.column_stack([X, X[:, 0] / 1000.0]), y)
    x, ycoords = grid_coordinates(BOUNDS, 500)
    xx = np.broadcast_to(x[None, :], (len(ycoords), len(x)))
    template = xr.Dataset(
        {"easting_km": (("y", "x"), xx / 1000.0)}, coords={"y": ycoords, "x": x}
    )
    eager = rk.grid(template=template, covariates=["easting_km"], crs=CRS)
    lazy = rk.grid(
        template=template.chunk({"y": 3, "x": 3}), covariates=["easting_km"], crs=CRS
    )
    assert isinstance(lazy["estimate"].data, da.Array)
    np.testing.assert_array_equal(lazy["estimate"].values, eager["estimate"].values)
    with pytest.raises(InputError, match="not a variable"):
        rk.grid(template=template, covariates=["depth"], crs=CRS)


# ------------------------------------------------------------ fit on a GeoDataFrame
def cores_frame(X, y, crs=CRS):
    """Samples as a GeoDataFrame of points (with a core id), in ``crs``."""
    frame = gpd.GeoDataFrame(
        {"rey_ppm": y, "core": np.arange(len(y)) // 2},
        geometry=gpd.points_from_xy(*X.T),
        crs=CRS,
    )
    return frame.to_crs(crs)


def test_fit_on_a_projected_geodataframe_equals_fit_on_its_arrays(samples):
    X, y = samples
    gdf = cores_frame(X, y)
    for estimator in (
        OrdinaryKriging(VG, n_neighbors=8, max_per_core=1),
        InverseDistanceWeighting(n_neighbors=8),
    ):
        groups = {"groups": "core"} if "max_per_core" in estimator.get_params() else {}
        on_frame = clone(estimator).fit(gdf, "rey_ppm", **groups)
        arrays = {"groups": gdf["core"].to_numpy()} if groups else {}
        on_arrays = clone(estimator).fit(X, y, **arrays)
        assert on_frame.crs_ == gdf.crs and on_arrays.crs_ is None
        np.testing.assert_array_equal(on_frame.X_, on_arrays.X_)
        ds = on_frame.grid(bounds=BOUNDS, spacing=1000)  # in crs_ by default
        assert ds.rio.crs.to_epsg() == 32656
        np.testing.assert_array_equal(
            ds["estimate"].values.ravel(), on_arrays.predict(centres(ds))
        )


def test_fit_on_lon_lat_points_works_in_their_utm_zone(samples):
    X, y = samples
    lon_lat = cores_frame(X, y, "EPSG:4326")
    Y = np.column_stack([y, 2 * y])
    lon_lat[["a", "b"]] = Y
    ok = OrdinaryKriging(VG, n_neighbors=8).fit(lon_lat, ["a", "b"])
    assert ok.crs_.to_epsg() == 32656
    projected = coordinates(lon_lat, "EPSG:32656")
    twin = OrdinaryKriging(VG, n_neighbors=8).fit(projected, Y)
    np.testing.assert_array_equal(ok.X_, twin.X_)
    np.testing.assert_allclose(ok.X_, X, atol=1e-6)  # the round trip through degrees
    ds = ok.grid(bounds=BOUNDS, spacing=1000, names=["a", "b"])
    assert ds.rio.crs.to_epsg() == 32656
    np.testing.assert_array_equal(
        ds["b"].values.ravel(), twin.predict(centres(ds))[:, 1]
    )
    rk = RegressionKriging(LinearRegression(), VG, features="all").fit(
        lon_lat.geometry, y
    )
    assert rk.crs_.to_epsg() == 32656 and rk.kriging_.crs_ is None


def test_local_utm_zone_is_the_one_seabed_grid_picks():
    from seabed.geostats.gridding import local_utm
    from seabed.grid import resolve_crs

    for lon, lat in [([153.9, 154.1], [24.2, 24.3]), ([179.4, -179.8], [-16, -17])]:
        assert local_utm(lon, lat) == resolve_crs("auto", lon, lat)
    with pytest.raises(InputError, match="polar"):
        local_utm([10.0], [86.0])


@pytest.fixture(scope="module")
def fitted_on_frame():
    rng = np.random.default_rng(11)
    X = rng.uniform(0, 5000, (30, 2)) + np.array([X0, Y0])
    y = 800 + 100 * np.sin(X[:, 0] / 900) + rng.normal(0, 5, 30)
    ok = OrdinaryKriging(VG, n_neighbors=10).fit(cores_frame(X, y), "rey_ppm")
    return ok, ok.grid(bounds=BOUNDS, spacing=500, name="rey_ppm", units="ppm")


def test_grid_of_a_frame_fit_writes_a_geotiff_with_crs_units_and_nodata(
    fitted_on_frame, tmp_path
):
    _, ds = fitted_on_frame
    path = tmp_path / "rey_ppm.tif"
    ds["rey_ppm"].rio.to_raster(path)
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32656
        assert src.tags()["units"] == "ppm"
        assert np.isnan(src.nodata)
        np.testing.assert_array_equal(src.read(1), ds["rey_ppm"].values)
    back = xr.open_dataarray(path, engine="rasterio")
    assert back.rio.crs.to_epsg() == 32656 and back.attrs["units"] == "ppm"


def test_grid_of_a_frame_fit_on_a_chunked_template_is_identical(fitted_on_frame):
    ok, ds = fitted_on_frame
    lazy = ok.grid(template=ds.chunk({"y": 3, "x": 4}), name="rey_ppm", units="ppm")
    assert isinstance(lazy["rey_ppm"].data, da.Array)
    no_crs = ds[["rey_ppm"]].drop_vars("spatial_ref").chunk({"y": 5})
    assert no_crs.rio.crs is None
    for grid in (lazy, ok.grid(template=no_crs, name="rey_ppm")):  # crs_ by default
        assert grid.rio.crs.to_epsg() == 32656
        for name in ("rey_ppm", "rey_ppm_std"):
            np.testing.assert_array_equal(grid[name].values, ds[name].values)


def test_a_grid_in_another_crs_than_the_samples_is_refused(fitted_on_frame):
    ok, ds = fitted_on_frame
    with pytest.raises(InputError, match="refit"):
        ok.grid(bounds=BOUNDS, spacing=1000, crs="EPSG:32655")
    with pytest.raises(InputError, match="refit"):
        ok.grid(template=ds.rio.write_crs("EPSG:3857"))
    with pytest.raises(InputError, match="not projected"):
        ok.grid(bounds=(150, 20, 151, 21), spacing=0.1, crs="EPSG:4326")


def test_bad_geodataframes_are_refused_with_one_line(samples):
    X, y = samples
    gdf = cores_frame(X, y)
    ok = OrdinaryKriging(VG)
    cases = [
        (gdf.set_crs(None, allow_override=True), "rey_ppm", "no CRS.*set_crs"),
        (gdf.set_geometry(gdf.buffer(10.0)), "rey_ppm", "must be points.*centroids"),
        (gdf.to_crs("EPSG:2263"), "rey_ppm", "not in metres"),  # US feet
        (gdf, "grade", "no column 'grade'.*rey_ppm"),
        (gdf.geometry, "rey_ppm", "GeoSeries"),
        (gdf.iloc[:0], "rey_ppm", "no samples"),
    ]
    holed = gdf.copy()
    holed.loc[3, "geometry"] = None
    cases.append((holed, "rey_ppm", "row 4.*no location"))
    for frame, target, message in cases:
        with pytest.raises(InputError, match=message) as info:
            ok.fit(frame, target)
        assert "\n" not in str(info.value)


def test_simulation_fits_on_a_geodataframe_with_weight_column(samples):
    from seabed.geostats import ConditionalSimulation

    X, y = samples
    y = y + 3.0  # grades are positive
    gdf = cores_frame(X, y, "EPSG:4326").assign(weight=np.linspace(1, 2, len(y)))
    make = ConditionalSimulation(VG, n_realizations=2, n_features=20, n_neighbors=8)
    on_frame = clone(make).fit(gdf, "rey_ppm", sample_weight="weight")
    projected = coordinates(gdf, on_frame.crs_)
    on_arrays = clone(make).fit(projected, y, gdf["weight"].to_numpy())
    assert on_frame.crs_.to_epsg() == 32656 and on_arrays.crs_ is None
    np.testing.assert_array_equal(on_frame.scores_, on_arrays.scores_)
    nodes = projected[:5] + 100.0
    np.testing.assert_array_equal(on_frame.sample(nodes), on_arrays.sample(nodes))
    with pytest.raises(InputError, match=r"column 'sample_weight'.*no column 'w'"):
        clone(make).fit(gdf, "rey_ppm", sample_weight="w")
