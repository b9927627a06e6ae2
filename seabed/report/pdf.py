"""The report as PDF, printed by a headless Chromium."""

from __future__ import annotations

from pathlib import Path

from seabed.exceptions import SeabedError
from seabed.outputs import atomic_path

__all__ = [
    "write_pdf",
]


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
