"""Plain-text tables for the benchmark output: one header with the command, aligned columns."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def number(value: float | int | None, digits: int = 0) -> str:
    """A figure with thousands separators; "—" for a missing one."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def megabytes(size: int | None) -> str:
    return "—" if size is None else f"{size / 1024 / 1024:,.1f} MB"


def table(
    title: str,
    command: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    align: str = "",
    notes: Iterable[str] = (),
) -> None:
    """Print a titled table; `align` has one letter per column, "l" or "r" (numbers default r)."""
    rows = [[str(cell) for cell in row] for row in rows]
    align = align or "l" + "r" * (len(headers) - 1)
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for cell, width, side in zip(cells, widths, align, strict=True):
            out.append(cell.ljust(width) if side == "l" else cell.rjust(width))
        return "  ".join(out).rstrip()

    rule = "-" * max(len(line(headers)), len(title) + 3)
    print()
    print(f"== {title}")
    print(f"   $ {command}")
    print(rule)
    print(line(headers))
    print(rule)
    for row in rows:
        print(line(row))
    print(rule)
    for note in notes:
        print(f"   {note}")
    print(flush=True)


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes, for the notes under a table."""
    return " / ".join(f"{load:.2f}" for load in os.getloadavg())


def command_line(script: str, argv: list[str] | None) -> str:
    """The command that ran a bench script, as typed from the project folder (for its tables)."""
    python = Path(sys.executable)
    if python.is_relative_to(ROOT):
        python = python.relative_to(ROOT)
    arguments = sys.argv[1:] if argv is None else argv
    return shlex.join([str(python), str(Path(script).resolve().relative_to(ROOT)), *arguments])
