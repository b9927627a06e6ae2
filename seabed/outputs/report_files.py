"""The report's files: ``report.html``, the quick-look PNGs and the PDF.

:mod:`seabed.report` renders (HTML text, PNG bytes); this module writes what it
renders, each file to a temporary name first and renamed when complete.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seabed.exceptions import SeabedError
from seabed.outputs.files import atomic_path, write_json
from seabed.report import (
    render_quicklooks,
    render_report,
    render_report_and_quicklooks,
)
from seabed.report.kna import render_kna_page
from seabed.result import RunResult

__all__ = [
    "write_kna",
    "write_pdf",
    "write_quicklooks",
    "write_report",
]


def write_report(
    result: RunResult, path: str | Path, *, quicklooks: bool = False
) -> list[Path]:
    """Write the self-contained HTML report of a run, and optionally the quick-looks.

    Parameters
    ----------
    result : RunResult
        What :func:`seabed.pipeline.run` returned.
    path : str or path-like
        The file to write (conventionally ``report.html`` in the output folder);
        written to a temporary name first and renamed when complete.
    quicklooks : bool
        Also write the map PNGs of :func:`write_quicklooks` beside the report,
        from the same rendering (faster than calling both).

    Returns
    -------
    list of pathlib.Path
        The files written, the report first.

    Examples
    --------
    >>> from seabed import pipeline
    >>> result = pipeline.run(pipeline.demo_config(), out_dir="demo")  # doctest: +SKIP
    >>> write_report(result, "demo/report.html")  # doctest: +SKIP
    [PosixPath('demo/report.html')]
    """
    path = Path(path)
    if quicklooks:
        text, pngs = render_report_and_quicklooks(result)
    else:
        text, pngs = render_report(result), {}
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return [path, *_write_pngs(pngs, path.parent)]


def write_kna(kna: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """Write a neighbourhood analysis: ``kna.html`` (its own page) and ``kna.json``.

    Parameters
    ----------
    kna : dict
        ``seabed.pipeline.kna.neighbourhood_record``'s record.
    out_dir : str or path-like
        The folder (created if missing); only these two files are written in it,
        each to a temporary name first.

    Returns
    -------
    list of pathlib.Path
        The page, then the table.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "kna.html"
    with atomic_path(page) as temporary:
        temporary.write_text(render_kna_page(kna), encoding="utf-8")
    return [page, write_json(kna, folder / "kna.json")]


def write_quicklooks(result: RunResult, out_dir: str | Path) -> list[Path]:
    """Write one PNG per map of a run (see :data:`seabed.report.QUICKLOOKS`).

    Parameters
    ----------
    result : RunResult
        What :func:`seabed.pipeline.run` returned.
    out_dir : str or path-like
        An existing folder; files are named ``<map>.png`` (``rey_ppm.png`` ...).

    Returns
    -------
    list of pathlib.Path
        The files written; a map the run has no data for (no kriging standard
        deviation with IDW) is skipped.
    """
    return _write_pngs(render_quicklooks(result), Path(out_dir))


def _write_pngs(pngs: dict[str, bytes], folder: Path) -> list[Path]:
    written = []
    for name, png in pngs.items():
        path = folder / f"{name}.png"
        with atomic_path(path) as temporary:
            temporary.write_bytes(png)
        written.append(path)
    return written


# Chromium, to print PDFs: executable names, and flags that keep it headless and
# off the network.
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


_CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def write_pdf(
    html_path: str | Path, pdf_path: str | Path, *, chromium: str | None = None
) -> Path:
    """Print a report to PDF (A4) with headless Chromium, as a browser would.

    The report's print style sheet lays it out two figures a row, tables and
    figures kept whole on a page. Chromium is not a dependency of seabed; install
    it (Debian: ``apt-get install chromium``) or print the HTML from any browser.

    Parameters
    ----------
    html_path : str or path-like
        The report (:func:`write_report`).
    pdf_path : str or path-like
        The PDF to write; written to a temporary name first.
    chromium : str, optional
        The Chromium executable; by default ``chromium`` (or ``chromium-browser``,
        ``google-chrome``) on the ``PATH``.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Raises
    ------
    SeabedError
        If no Chromium is found, or it fails to print.
    """
    import shutil
    import subprocess
    import tempfile

    executable = chromium or next(
        filter(None, map(shutil.which, _CHROMIUM_NAMES)), None
    )
    if executable is None:
        raise SeabedError(
            "no Chromium to print the PDF with: install it (Debian: apt-get install "
            "chromium) or open report.html in a browser and print it"
        )
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    with tempfile.TemporaryDirectory() as profile, atomic_path(pdf_path) as temporary:
        try:
            done = subprocess.run(
                [
                    executable,
                    *_CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    "--no-pdf-header-footer",
                    f"--print-to-pdf={temporary}",
                    html_path.as_uri(),
                ],
                capture_output=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SeabedError(
                f"cannot run Chromium ({executable}) to print the PDF: {error}"
            ) from None
        if done.returncode != 0 or not temporary.exists():
            raise SeabedError(
                f"Chromium could not print {html_path} (exit code "
                f"{done.returncode}): {done.stderr.decode(errors='replace')[-300:]}"
            )
    return pdf_path
