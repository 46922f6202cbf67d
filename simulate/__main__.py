"""The `simulate` command's entry point (also `python -m simulate`).

Ctrl-C and SIGTERM are held from this module's first instruction, before anything heavy is
imported, until the command line is ready to stop cleanly (simulate.cli.Commands.main releases
them): a signal during start-up then ends the command with exit code 130 and one line, never a
traceback or a bare kill. Importing the package itself (simulate/__init__.py) runs no more
than a few light imports before this.
"""

import signal

signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def main() -> None:
    from simulate.cli import main as command

    command(last=True)  # the signals stay ignored while the process ends (see Commands.main)


if __name__ == "__main__":
    main()
