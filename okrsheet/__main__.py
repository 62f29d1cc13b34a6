"""The `okr` command's entry point (also `python -m okrsheet`).

`okr --version` answers before the command-line framework is imported: it is what scripts
and installers call to check the tool is there, and it should cost no more than start-up.

After a command that loaded a large workbook, what the load left is kept out of the collection
Python makes as it exits (`memory.freeze_for_exit`).
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
    try:
        run()
    finally:
        if memory.made_a_large_load():
            # The process is about to end: the collection Python makes as it exits need not
            # walk the million objects a large load left (0.25 s of CPU after `okr report` on
            # a year's log of 150 people). Nothing else about the exit changes.
            memory.freeze_for_exit()


if __name__ == "__main__":
    main()
