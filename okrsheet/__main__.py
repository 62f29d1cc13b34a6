"""The `okr` command's entry point (also `python -m okrsheet`).

`okr --version` answers before the command-line framework is imported: it is what scripts
and installers call to check the tool is there, and it should cost no more than start-up.

After a command that loaded a large workbook, the process ends without freeing what the load
made one object at a time (`_exit_now`).
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
    except SystemExit as done:
        if memory.made_a_large_load():
            _exit_now(done.code)
        raise
    if memory.made_a_large_load():
        _exit_now(0)


def _exit_now(code: object) -> None:
    """End the process as it would end, less the freeing of every object one by one: a large
    load leaves a million of them (about 0.2 s of CPU after `okr report` on a year's log of
    150 people), and the process is about to give all its memory back at once.

    The exit handlers run and both streams are flushed, as at any exit; then the process ends
    with `code`. Returns, for the usual exit, when another thread still runs, when the code is
    not a number (a message), or when a stream cannot be flushed (a closed pipe: the usual exit
    says so as it always does)."""
    import atexit
    import os
    import threading

    status = 0 if code is None else code
    if not isinstance(status, int) or threading.active_count() != 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        status = status or 120  # what Python exits with when it cannot flush at exit
    os._exit(status)


if __name__ == "__main__":
    main()
