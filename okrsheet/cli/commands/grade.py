from typing import Annotated

from okrsheet.cli.options import (
    AsOfOption,
    ForceOption,
    FormatOption,
    WorkbookOption,
    as_of_date,
    flag_option,
    location_to_write,
)
from okrsheet.render import OutputFormat


def grade(
    write: Annotated[
        bool,
        flag_option(
            "--write",
            "Store the grades in the Grade column, and propose each as the Final grade where "
            "the owner has not given one.",
        ),
    ] = False,
    as_of: AsOfOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
    force: ForceOption = False,
) -> None:
    """Grade the cycle: 0.0-1.0 per key result, weighted per objective, summed up per owner.

    0.6-0.7 is success for an aspirational key result; 1.0 is flagged as maybe too easy. A
    committed objective is expected to reach 1.0: a miss is listed apart, to explain. Beside
    each computed grade: the owner's Final grade and Grade reason, the retrospective (What
    worked, What to change) and Next cycle (carry over or drop, which okr rollover follows).
    Before the cycle ends the grades are provisional.

    Examples:

      okr grade --as-of 2026-12-31

      okr grade --write
    """
    from okrsheet import cycles
    from okrsheet.cli.options import check_date_option, today
    from okrsheet.cli.shared import load_plan_as_of, warn_unreadable
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import grade_report
    from okrsheet.service import load

    if write:
        location = location_to_write(workbook, force)
        day = today()
        if as_of is not None:  # read with the workbook's date order
            check_date_option(as_of, "--as-of")
            order = load(location, linked=False).plan.settings.date_order
            day = as_of_date(as_of, order)
        report = cycles.write_grades(location, day)
        console.err().print(f"Wrote {len(report.key_results)} key result grade(s).")
    else:
        parsed, plan, day = load_plan_as_of(workbook, as_of=as_of)
        warn_unreadable(parsed)
        report = grade_report(plan, day)
    emit(output_format, report, table=lambda: tables.grade_table(report))
    if report.provisional:
        console.err().print(
            f"note: {report.cycle.name} ends {report.cycle.end}; these grades are provisional."
        )
