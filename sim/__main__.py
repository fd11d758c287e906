"""``python -m sim``: the ``campaign-sim`` command line."""

import sys

try:
    from sim.cli import main
except KeyboardInterrupt:  # Ctrl-C while the libraries are still loading
    sys.stderr.write("interrupted\n")
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(main())
