"""Tests of seabed.io.datasets: bundled files and the demo's reference places."""

import geopandas as gpd
import pyogrio
import pytest
import shapely
from pyproj import Geod

from seabed.io import datasets

ACCESSORS = [
    datasets.bathymetry_path,
    datasets.sediment_thickness_path,
    datasets.seafloor_age_path,
    datasets.eez_path,
    datasets.demo_cores_path,
]


def test_data_dir_holds_the_readme():
    assert (datasets.data_dir() / "README.md").is_file()


@pytest.mark.parametrize("accessor", ACCESSORS)
def test_bundled_files_exist(accessor):
    path = accessor()
    assert path.is_file()
    assert path.parent == datasets.data_dir()


def test_eez_layer_is_in_the_geopackage():
    layers = pyogrio.list_layers(datasets.eez_path())[:, 0]
    assert datasets.EEZ_LAYER in layers


def test_takaya_box_is_the_published_study_area():
    lon_min, lat_min, lon_max, lat_max = datasets.TAKAYA_BOX
    assert (lon_min, lat_min) == (153.5, 21.8)
    assert lon_max == pytest.approx(154 + 7 / 60)
    assert lat_max == pytest.approx(22 + 15 / 60)
    # domain.md section 8: the geodesic area of the box is ~3,170-3,180 km2
    box = shapely.box(*datasets.TAKAYA_BOX).segmentize(0.01)
    area_km2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(box)[0]) / 1e6
    assert 3170 < area_km2 < 3180


def test_island_lies_in_the_eez_and_the_box_too():
    eez = gpd.read_file(datasets.eez_path(), layer=datasets.EEZ_LAYER).geometry[0]
    assert eez.contains(shapely.Point(datasets.MINAMITORISHIMA))
    assert eez.contains(shapely.box(*datasets.TAKAYA_BOX))
