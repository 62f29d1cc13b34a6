"""The `okr` command's entry point (also `python -m okrsheet`).

`okr --version` answers before the command-line framework is imported: it is what scripts
and installers call to check the tool is there, and it should cost no more than start-up.
"""

import sys

from okrsheet import __version__


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        sys.stdout.write(f"okr {__version__}\n")
        return
    from okrsheet import memory
    from okrsheet.cli import main as run
    from okrsheet.render.streams import safe_streams

    memory.freeze_large_loads = True  # one short run: a large load is frozen (memory.py)

    safe_streams()
    run()


if __name__ == "__main__":
    main()
