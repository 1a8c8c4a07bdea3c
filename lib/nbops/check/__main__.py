"""`python -m nbops.check [PATHS...]`: the checker without the rest of the CLI."""

import argparse
import sys

from nbops.check import add_arguments, main
from nbops.errors import NbopsError


def entry(argv: list[str] | None = None) -> int:
    """Parse `argv` and run the checker, turning NbopsError into one stderr line."""
    parser = argparse.ArgumentParser(prog="nbops check", description="Check notebooks.")
    add_arguments(parser)
    try:
        return main(parser.parse_args(argv))
    except NbopsError as error:
        print(f"nbops: error: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(entry())
