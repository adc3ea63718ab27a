"""What every command-line tool of the tablero shares: argparse speaking Spanish (argparse has no
Spanish translation of its own) and the refusals turned into Spanish messages and an exit code."""
from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable

from metrics.accounts import Rejected
from metrics.store import StoreError


class SpanishParser(argparse.ArgumentParser):
    """argparse with 'uso:', 'opciones' and its usage errors in Spanish."""
    ERRORS = ((r"the following arguments are required: (.*)", r"faltan las opciones: \1"),
              (r"unrecognized arguments: (.*)", r"opciones desconocidas: \1"),
              (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", r"orden desconocida \2; use una de: \3"),
              (r"argument (\S+): expected one argument", r"la opción \1 necesita un valor"),
              (r"one of the arguments (.*) is required", r"falta una de estas opciones: \1"),
              (r"argument (\S+): not allowed with argument (\S+)", r"\1 no se puede usar junto con \2"),
              (r"argument (\S+): (.*)", r"opción \1: \2"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", SpanishHelp)
        kwargs["add_help"] = False   # its own -h/--ayuda below
        super().__init__(*args, **kwargs)
        self._positionals.title, self._optionals.title = "órdenes", "opciones"
        self.add_argument("-h", "--ayuda", action="help", help="muestra esta ayuda y termina")

    def error(self, message: str):
        for pattern, spanish in self.ERRORS:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, spanish, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"Error: {message}\n")


class SpanishHelp(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "uso: " if prefix is None else prefix)


def run(work: Callable[[], str | None]) -> int:
    """Run a command's work: print what it returns (0), or its refusal in Spanish (1)."""
    try:
        said = work()
    except StoreError as exc:
        print(f"Error: {exc.message}\nQué hacer: {exc.hint}", file=sys.stderr)
        return 1
    except Rejected as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    if said:
        print(said)
    return 0
