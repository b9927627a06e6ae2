"""The output folder's contract (docs/outputs.md), through the command line.

A run never writes outside its folder (no link followed), never overwrites a file
it did not write, publishes its files with a manifest and removes the stale files
of the earlier run, and leaves nothing behind when it fails but the finished tiles.
Its warnings are printed one line each and the SeabedWarnings reach the notes.

Every case checks the exit code, the lines on stderr (no traceback), a keyword of
the message, and the folder's files before and after.
"""

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import rioxarray  # noqa: F401  (registers the ``.rio`` accessor)
import xarray as xr

from seabed.cli import main
from seabed.outputs.folder import MANIFEST, TILES_FOLDER

CORPUS = Path(__file__).parents[1] / "data" / "bad"
#: Six cores are too few to fit a variogram: one is given.
KRIGING = (
    '[inputs]\ncores = "cores_ok.csv"\n'
    "[estimate]\nvariogram = { psill = 20000.0, range = 30000.0 }\n"
)
IDW = '[inputs]\ncores = "cores_ok.csv"\n[estimate]\nmethod = "idw"\n'


def cli(*args):
    """Run the command line; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*map(str, args), "--no-progress"])
    return code, out.getvalue(), err.getvalue()


def corpus_copy(folder):
    shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("*.py"))
    return folder


def write_config(folder, text, out="out", name="run.toml"):
    path = folder / name
    path.write_text(text + f'[output]\ndir = "{out}"\n')
    return path


def tree(folder):
    """Every path under the folder (links not followed) with its content digest."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "link -> " + os.readlink(path)
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[key] = "folder"
    return found


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_refused(code, err, *keywords):
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for keyword in keywords:
        assert keyword in lines[0], f"{keyword!r} not in {lines[0]!r}"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One successful run into ``out``: the earlier run of the cases below."""
    folder = corpus_copy(tmp_path_factory.mktemp("first") / "bad")
    config = write_config(folder, KRIGING)
    code, _, err = cli("run", config)
    assert code == 0, err
    return folder


@pytest.fixture
def earlier(first_run, tmp_path):
    """A private copy of the folder after the first run (times kept)."""
    folder = tmp_path / "bad"
    shutil.copytree(first_run, folder, symlinks=True)
    return folder


# --------------------------------------------------------------------------- manifest
def test_the_manifest_lists_every_file_written_with_its_digest(first_run):
    out = first_run / "out"
    manifest = json.loads((out / MANIFEST).read_text())
    written = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert sorted(manifest["files"]) == written
    assert "rey_std_ppm.tif" in written and "resource.csv" in written
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == sha256(out / name)
    provenance = json.loads((out / "resource.json").read_text())["provenance"]
    assert manifest["run_id"] == provenance["run_id"]
    assert "previous" not in manifest
    # nothing else: no staging folder, no partial file, no tiles once done
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [MANIFEST]


def test_a_new_run_replaces_its_files_and_removes_only_its_stale_ones(earlier):
    out = earlier / "out"
    (out / "my_notes.txt").write_text("mine")
    (out / ".my_hidden").write_text("mine too")
    old = json.loads((out / MANIFEST).read_text())
    config = write_config(earlier, IDW)  # IDW: no standard deviation map
    code, _, err = cli("run", config)
    assert code == 0, err
    names = {p.name for p in out.iterdir()}
    assert "rey_std_ppm.tif" in old["files"] and "rey_std_ppm.png" in old["files"]
    assert "rey_std_ppm.tif" not in names and "rey_std_ppm.png" not in names
    assert (out / "my_notes.txt").read_text() == "mine"
    assert (out / ".my_hidden").read_text() == "mine too"
    manifest = json.loads((out / MANIFEST).read_text())
    assert set(manifest["files"]) == names - {"my_notes.txt", ".my_hidden", MANIFEST}
    assert manifest["run_id"] != old["run_id"]
    assert not [n for n in names if n.startswith(".seabed-staging")]


def test_a_zarr_store_is_published_replaced_and_guarded_like_a_file(earlier):
    """result.zarr is a folder: listed in the manifest with a digest of its files,
    replacing the earlier run's result.nc, replaced whole by the next run, and
    refused once changed by someone else."""
    out = earlier / "out"
    assert (out / "result.nc").is_file()
    config = write_config(earlier, KRIGING)
    config.write_text(config.read_text() + 'dataset = "zarr"\n')
    code, _, err = cli("run", config)
    assert code == 0, err
    assert not (out / "result.nc").exists() and (out / "result.zarr").is_dir()
    manifest = json.loads((out / MANIFEST).read_text())
    assert "result.nc" not in manifest["files"]
    assert len(manifest["files"]["result.zarr"]["sha256"]) == 64
    with xr.open_zarr(out / "result.zarr", decode_coords="all") as back:
        assert back.rio.crs is not None and back.attrs["Conventions"] == "CF-1.10"
        assert back.attrs["run_id"] == manifest["run_id"]
    code, _, err = cli("run", config)  # the store of the last run is replaced
    assert code == 0, err
    again = json.loads((out / MANIFEST).read_text())
    assert again["run_id"] != manifest["run_id"]
    with xr.open_zarr(out / "result.zarr") as back:
        assert back.attrs["run_id"] == again["run_id"]
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [MANIFEST]
    (out / "result.zarr" / "notes.txt").write_text("mine")
    assert_refused(*cli("run", config)[::2], "result.zarr")
    assert (out / "result.zarr" / "notes.txt").read_text() == "mine"


def test_a_run_killed_while_publishing_is_cleaned_up_by_the_next(earlier, monkeypatch):
    """Killed after a few files were moved into place: the next run owns them all
    (the manifest lists the earlier and the new versions), writes its own and
    removes the stale ones."""
    out = earlier / "out"
    config = write_config(earlier, IDW)
    moved = []
    real_replace = Path.replace

    def killed_after_three(self, target):
        if len(moved) == 3:
            raise KeyboardInterrupt
        moved.append(target)
        return real_replace(self, target)

    with monkeypatch.context() as patch:
        patch.setattr(Path, "replace", killed_after_three)
        code, _, err = cli("run", config)
    assert code == 130 and len(err.strip().splitlines()) == 1, err
    assert len(moved) == 3
    assert "previous" in json.loads((out / MANIFEST).read_text())
    assert not [p for p in out.iterdir() if p.name.startswith(".seabed-staging")]
    code, _, err = cli("run", config)
    assert code == 0, err
    names = {p.name for p in out.iterdir()}
    manifest = json.loads((out / MANIFEST).read_text())
    assert set(manifest["files"]) == names - {MANIFEST}
    assert "rey_std_ppm.tif" not in names and "previous" not in manifest


# --------------------------------------------------------------------------- overwriting
def test_an_input_named_like_an_output_is_never_overwritten(tmp_path):
    """``output.dir = "."`` beside a cores file named resource.csv."""
    folder = corpus_copy(tmp_path / "bad")
    shutil.copy(folder / "cores_ok.csv", folder / "resource.csv")
    config = write_config(folder, KRIGING.replace("cores_ok.csv", "resource.csv"), ".")
    before = tree(folder)
    code, stdout, err = cli("run", config)
    assert_refused(code, err, "resource.csv", "did not write")
    assert stdout == ""
    assert tree(folder) == before


def test_an_output_changed_since_the_run_is_not_overwritten(earlier):
    out = earlier / "out"
    (out / "resource.csv").write_text("cutoff_ppm\n0\n")  # edited by hand
    before = tree(earlier)
    code, _, err = cli("run", earlier / "run.toml")
    assert_refused(code, err, "resource.csv", "did not write")
    assert tree(earlier) == before


def test_an_unreadable_manifest_is_refused(earlier):
    (earlier / "out" / MANIFEST).write_text("{not json")
    before = tree(earlier)
    code, _, err = cli("run", earlier / "run.toml")
    assert_refused(code, err, MANIFEST, "cannot be read")
    assert tree(earlier) == before


# --------------------------------------------------------------------------- links
def planted(folder, name, target):
    """A link named ``name`` in the output folder to ``target`` outside it."""
    out = folder / "out"
    out.mkdir(exist_ok=True)
    (out / name).symlink_to(target)
    return out / name


@pytest.mark.parametrize(
    "name",
    [
        TILES_FOLDER,
        ".seabed-staging-1-planted",
        ".seabed-staging-999999999-planted",
        MANIFEST,
        "resource.csv",
        "rey_ppm.tif",
    ],
)
def test_no_link_is_followed(name, tmp_path):
    folder = corpus_copy(tmp_path / "bad")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if name.startswith(".seabed-") and name != MANIFEST:
        target = elsewhere
    else:
        target = elsewhere / "victim"
        target.write_text("not seabed's")
    planted(folder, name, target)
    config = write_config(folder, KRIGING)
    before, outside = tree(folder), tree(elsewhere)
    code, _, err = cli("run", config)
    assert_refused(code, err, name, "symbolic link")
    assert tree(folder) == before
    assert tree(elsewhere) == outside


def test_a_link_inside_the_tiles_folder_is_not_followed(tmp_path):
    folder = corpus_copy(tmp_path / "bad")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / "out" / TILES_FOLDER).mkdir(parents=True)
    planted(folder, f"{TILES_FOLDER}/estimate-planted", elsewhere)
    config = write_config(folder, KRIGING)
    before = tree(folder)
    code, _, err = cli("run", config)
    assert_refused(code, err, "estimate-planted", "symbolic link")
    assert tree(folder) == before and not list(elsewhere.iterdir())


# --------------------------------------------------------------------------- the folder
def test_an_output_folder_that_is_a_file_or_a_broken_link(tmp_path):
    folder = corpus_copy(tmp_path / "bad")
    (folder / "taken").write_text("a file")
    (folder / "dangling").symlink_to(tmp_path / "nowhere")
    before = tree(folder)
    for out, keyword in [("taken", "is a file"), ("dangling", "broken symbolic link")]:
        config = write_config(folder, KRIGING, out=out, name=f"{out}.toml")
        before[config.name] = sha256(config)
        code, _, err = cli("run", config)
        assert_refused(code, err, out, keyword)
        assert tree(folder) == before
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_output_folder_that_cannot_be_written(tmp_path):
    folder = corpus_copy(tmp_path / "bad")
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    config = write_config(folder, KRIGING, out="locked/out")
    before = tree(folder)
    try:
        code, _, err = cli("run", config)
    finally:
        locked.chmod(0o755)
    assert_refused(code, err, "locked", "cannot be written")
    assert tree(folder) == before


def test_an_unwritable_folder_is_refused_before_the_run(tmp_path, monkeypatch):
    """As above when the tests run as root, for whom every folder is writable."""
    import seabed.pipeline.preflight as preflight

    folder = corpus_copy(tmp_path / "bad")
    config = write_config(folder, KRIGING)
    locked = str(folder)
    real_access = os.access
    monkeypatch.setattr(
        preflight.os,
        "access",
        lambda path, mode, **kw: os.fspath(path) != locked and real_access(path, mode),
    )
    before = tree(folder)
    code, _, err = cli("run", config)
    assert_refused(code, err, "out", "cannot be written")
    assert tree(folder) == before


# --------------------------------------------------------------------------- failures
def failing_report(*args, **kwargs):
    from seabed.exceptions import InputError

    raise InputError("the report cannot be written", path="report.html")


def test_a_failed_run_leaves_only_its_tiles(tmp_path, monkeypatch):
    import seabed.outputs.writer

    monkeypatch.setattr(seabed.outputs.writer, "write_report", failing_report)
    folder = corpus_copy(tmp_path / "bad")
    config = write_config(folder, KRIGING + "[dask]\nresume = true\n")
    before = tree(folder)
    code, _, err = cli("run", config)
    assert_refused(code, err, "report.html")
    after = tree(folder)
    left = {k for k in after if k not in before}
    assert left and all(k.startswith(f"out/{TILES_FOLDER}") for k in left - {"out"})
    assert all(k.endswith(".npy") or after[k] == "folder" for k in left)


def test_a_failed_run_without_resume_leaves_nothing(tmp_path, monkeypatch):
    import seabed.outputs.writer

    monkeypatch.setattr(seabed.outputs.writer, "write_report", failing_report)
    folder = corpus_copy(tmp_path / "bad")
    config = write_config(folder, KRIGING + "[dask]\nresume = false\n", out="a/b")
    before = tree(folder)
    code, _, err = cli("run", config)
    assert_refused(code, err, "report.html")
    assert tree(folder) == before  # not even the folders it created


def test_a_failed_run_leaves_the_earlier_run_intact(earlier, monkeypatch):
    import seabed.outputs.writer

    monkeypatch.setattr(seabed.outputs.writer, "write_report", failing_report)
    before = {k: v for k, v in tree(earlier).items() if TILES_FOLDER not in k}
    code, _, err = cli("run", earlier / "run.toml")
    assert_refused(code, err, "report.html")
    after = {k: v for k, v in tree(earlier).items() if TILES_FOLDER not in k}
    assert after == before


# --------------------------------------------------------------------------- warnings
@pytest.fixture(scope="module")
def warned_run(tmp_path_factory):
    """A run that raises a SeabedWarning in every block (a wet-looking density)."""
    folder = corpus_copy(tmp_path_factory.mktemp("warned") / "bad")
    config = write_config(folder, KRIGING + "[resource]\ndry_density_t_m3 = 1.6\n")
    return folder, *cli("run", config)


def test_a_warning_is_one_line_on_stderr(warned_run):
    _, code, _, err = warned_run
    assert code == 0, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("warning: dry_density_t_m3 reaches 1.60 t/m3")
    assert "Traceback" not in err and "warnings.warn" not in err


def test_a_warning_is_one_line_from_a_real_process(warned_run, tmp_path):
    """The same from the installed command, where Python would print the warning's
    source line; the earlier run's files are replaced without complaint."""
    folder = tmp_path / "bad"
    shutil.copytree(warned_run[0], folder)
    command = [sys.executable, "-m", "seabed.cli", "run", "run.toml", "--no-progress"]
    done = subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: dry_density_t_m3"), lines
    assert "Traceback" not in done.stderr


def test_a_warning_reaches_the_notes_the_statement_and_the_report(warned_run):
    folder, _, stdout, err = warned_run
    message = err.strip().removeprefix("warning: ")
    notes = json.loads((folder / "out" / "resource.json").read_text())["notes"]
    assert notes.count(message) == 1
    assert message in " ".join(stdout.split())
    assert (
        "looks like a wet bulk density" in (folder / "out" / "report.html").read_text()
    )


def test_every_warning_is_printed_once_in_one_line(tmp_path, monkeypatch):
    """Warnings that are not seabed's are printed too, but are no notes."""
    import seabed.pipeline.plan as plan
    from seabed.exceptions import SeabedWarning

    build_grid = plan.build_grid

    def noisy(*args, **kwargs):
        for _ in range(3):
            warnings.warn("a library's\nwarning", RuntimeWarning, stacklevel=1)
            warnings.warn("seabed's warning", SeabedWarning, stacklevel=1)
        return build_grid(*args, **kwargs)

    monkeypatch.setattr(plan, "build_grid", noisy)
    folder = corpus_copy(tmp_path / "bad")
    code, _, err = cli("run", write_config(folder, KRIGING))
    assert code == 0, err
    assert sorted(err.strip().splitlines()) == [
        "warning: a library's warning",
        "warning: seabed's warning",
    ]
    notes = json.loads((folder / "out" / "resource.json").read_text())["notes"]
    assert "seabed's warning" in notes
    assert not [n for n in notes if "library" in n]


def test_a_file_hashed_ahead_is_not_read_again(tmp_path, monkeypatch):
    """result.nc and the maps are hashed while the report is made; publishing
    takes those digests, unless the file changed since (then it hashes again)."""
    from seabed.outputs import folder

    kept, changed = tmp_path / "result.nc", tmp_path / "rey_ppm.tif"
    kept.write_bytes(os.urandom(3 << 20))
    changed.write_bytes(b"a" * 1000)
    for path in (kept, changed):
        folder._digest_ahead(path)
        folder._AHEAD[path.absolute()].result()
    changed.write_bytes(b"b" * 2000)
    expected = {path: sha256(path) for path in (kept, changed)}
    assert folder._entry_of(changed)["sha256"] == expected[changed]

    def no_second_read(path):
        raise AssertionError(f"{path} read again")

    monkeypatch.setattr(folder, "_entry", no_second_read)
    entry = folder._entry_of(kept)
    assert entry["sha256"] == expected[kept] and entry["size"] == 3 << 20
    assert not folder._AHEAD
