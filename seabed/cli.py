"""The ``seabed`` command line: ``demo``, ``run``, ``validate``, ``kna``, ``synthetic``.

The command line is thin: it parses arguments, calls :mod:`seabed.pipeline`, prints the
statement and maps errors to exit codes (``docs/cli.md``): 0 done; 2 a problem the user
can fix (bad input or configuration, a kriging system the data make singular, a full
disk or a folder that cannot be written), printed as one ``error: ...`` line; 130
interrupted (Ctrl-C); 1 an unexpected failure, which is a bug.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from seabed._version import __version__
from seabed.exceptions import SeabedError

__all__ = ["main"]

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
#: The shell's convention for a process ended by SIGINT (128 + 2).
EXIT_INTERRUPTED = 130
#: Operating-system errors that the user can fix (space, permissions, paths).
_USER_OS_ERRORS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENAMETOOLONG: "a file name is too long",
    errno.ELOOP: "a path has a symbolic-link loop",
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 8:
        raise argparse.ArgumentTypeError(f"{value} is too small: use 8 or more cells")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 3 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"{value} is not between 3 and 100,000")
    return value


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors follow the exit-code contract (2, one line)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see 'seabed --help')\n")


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="output folder (default: config's)")
    parser.add_argument(
        "--tile-size",
        type=_positive_int,
        help="cells per tile side (results do not depend on it)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", help="address of a dask.distributed scheduler (tcp://host:8786)"
    )
    where.add_argument(
        "--scheduler-file",
        type=Path,
        help="JSON file written by 'dask scheduler --scheduler-file' (HPC launchers, "
        "dask-jobqueue, dask-mpi)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="do not show progress bars"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``seabed`` command."""
    parser = _Parser(
        prog="seabed",
        description="Rare-earth resource estimation for deep-sea mud.",
    )
    parser.add_argument("--version", action="version", version=f"seabed {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="run the whole pipeline on the bundled Minamitorishima data",
        description="Estimate the REY-mud resource of the Takaya et al. (2018) box "
        "from the bundled synthetic cores and real regional grids.",
    )
    _add_run_options(demo)

    run = commands.add_parser("run", help="run the pipeline from a TOML configuration")
    run.add_argument("config", type=Path, help="configuration file (TOML)")
    _add_run_options(run)

    validate = commands.add_parser(
        "validate", help="check a configuration and its inputs, listing every problem"
    )
    validate.add_argument("config", type=Path, help="configuration file (TOML)")

    kna = commands.add_parser(
        "kna",
        help="kriging neighbourhood analysis of a configuration's search",
        description="Krige a sample of grid cells with each number of neighbours, "
        "radius and block size of [kna], and write kna.html (charts of the slope of "
        "regression and the kriging efficiency, the recommended neighbourhood) and "
        "kna.json.",
    )
    kna.add_argument("config", type=Path, help="configuration file (TOML)")
    kna.add_argument(
        "--out", type=Path, help="folder of kna.html and kna.json (default: config's)"
    )

    synthetic = commands.add_parser(
        "synthetic",
        help="write seeded synthetic cores drawn from a known true field",
        description="Write seeded synthetic REY cores (a canonical cores CSV) drawn "
        "from a field whose grade is known, for tests and examples.",
    )
    synthetic.add_argument("--out", required=True, type=Path, help="CSV file to write")
    synthetic.add_argument(
        "--seed", type=int, default=0, help="random seed (default 0)"
    )
    synthetic.add_argument(
        "--n-cores", type=_count, default=100, help="number of cores (default 100)"
    )
    synthetic.add_argument(
        "--bounds",
        type=float,
        nargs=4,
        metavar=("LON_MIN", "LAT_MIN", "LON_MAX", "LAT_MAX"),
        help="survey area in WGS84 degrees (default: the Takaya et al. 2018 box)",
    )
    return parser


def _run(args: argparse.Namespace) -> int:
    from seabed import pipeline
    from seabed.config import load_config
    from seabed.report import format_statement
    from seabed.schedulers import scheduler_from_file

    if args.command == "demo":
        config = pipeline.demo_config()
    else:
        config = load_config(args.config)
    result = pipeline.run(
        config,
        out_dir=args.out,
        tile_size=args.tile_size,
        scheduler=(
            scheduler_from_file(args.scheduler_file)
            if args.scheduler_file is not None
            else args.scheduler
        ),
        progress=not args.no_progress,
    )
    print(format_statement(result))
    if result.tiles.get("resumed"):
        print(
            f"\nresumed an interrupted run: {result.tiles['resumed']} of "
            f"{result.tiles['total']} tiles were already done"
        )
    print(f"\nwrote {len(result.files)} files to {result.out_dir}")
    return EXIT_OK


def _kna(args: argparse.Namespace) -> int:
    from seabed.config import load_config
    from seabed.pipeline.kna import run_kna

    record = run_kna(load_config(args.config), args.out)
    for pick in record["recommended"]:
        radius = pick["radius_m"]
        where = "no radius limit" if radius is None else f"radius {radius:,.0f} m"
        support = (
            "points"
            if pick["block_x_m"] == 0
            else f"{pick['block_x_m']:g} x {pick['block_y_m']:g} m blocks"
        )
        print(
            f"recommended for {support}: {pick['n_neighbors']} neighbours, {where} "
            f"(mean slope of regression {pick['mean_slope']:.3f}, plateau "
            f"{pick['plateau_slope']:.3f}, mean kriging efficiency "
            f"{pick['mean_efficiency']:.3f})"
        )
    print(f"wrote {', '.join(record['files'])}")
    return EXIT_OK


def _synthetic(args: argparse.Namespace) -> int:
    from seabed.io.synthetic import DEMO_BOUNDS, make_survey
    from seabed.outputs import write_csv

    bounds = DEMO_BOUNDS if args.bounds is None else args.bounds
    survey = make_survey(n_cores=args.n_cores, bounds=bounds, seed=args.seed)
    write_csv(survey.samples, args.out)
    print(f"wrote {len(survey.samples)} samples of {args.n_cores} cores to {args.out}")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from seabed import pipeline

    problems = pipeline.validate(args.config)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return EXIT_BAD_INPUT
    print(f"{args.config}: configuration and inputs are valid")
    return EXIT_OK


@contextmanager
def _one_line_warnings() -> Iterator[None]:
    """Print every warning as one ``warning: <message>`` line on stderr, without
    the source line, each message once, for the duration of the command."""
    seen: set[str] = set()

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: object = None,
        line: str | None = None,
    ) -> None:
        text = " ".join(str(message).split())
        if text not in seen:
            seen.add(text)
            print(f"warning: {text}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``seabed`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    with _one_line_warnings():
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "synthetic":
            return _synthetic(args)
        if args.command == "kna":
            return _kna(args)
        return _run(args)
    except SeabedError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(
            "error: interrupted; no output was written (finished tiles are kept: "
            "the same command resumes the run)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except OSError as error:
        if error.errno not in _USER_OS_ERRORS:
            return _unexpected(error)
        where = f"{error.filename}: " if error.filename else ""
        print(
            f"error: {where}{_USER_OS_ERRORS[error.errno]}; free space or choose "
            "another output folder (--out), then run again",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except Exception as error:  # last resort: report in one line, exit 1
        return _unexpected(error)


def _unexpected(error: Exception) -> int:
    if os.environ.get("SEABED_DEBUG"):
        traceback.print_exception(error)
    print(
        f"error: unexpected failure ({type(error).__name__}: {error}); "
        "this is a bug: please report it, with SEABED_DEBUG=1 for the traceback",
        file=sys.stderr,
    )
    return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
