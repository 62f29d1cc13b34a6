from typing import Annotated

import typer

from okrsheet.cli.options import FormatOption, OwnerOption, WorkbookOption, flag_option
from okrsheet.render import OutputFormat


def lint(
    strict: Annotated[
        bool, flag_option("--strict", "Exit 3 when anything is found (for CI).")
    ] = False,
    check: Annotated[
        list[str] | None,
        typer.Option(
            "--check",
            help="Make only this check (repeat for more): activity, vague, status-quo, "
            "no-baseline, sandbagging. Default: those the 'KR checks' setting turns on (all).",
            metavar="CODE",
            show_default=False,
        ),
    ] = None,
    owner: OwnerOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
) -> None:
    """Check that each key result is a measurable outcome; name the words that say otherwise.

    activity: work done (launch, hold, migrate; counts of visits, posts, webinars), not an
    outcome. vague: 'improve', 'better', 'world-class' or an abstract thing with no unit and no
    measure. status-quo: the target equals the start, or asks for less than last cycle's result
    (Archive tab). no-baseline: a start of 0 on a rate, score or average. sandbagging: an owner
    whose key results all reached 1.0 in each of the last two cycles. Offline, no AI service;
    docs/lint.md lists every rule with examples. `okr validate` shows the same as warnings.

    When nothing is found, the table prints nothing and stderr says so (JSON: an empty list;
    Markdown: the title; CSV: the header). Writes nothing.

    Examples:

      okr lint

      okr lint --owner "Marcus Webb" --format md

      okr lint --strict --format json     (in CI: exit 3 on any finding)
    """
    from okrsheet import service
    from okrsheet.errors import ExitCode, UsageError
    from okrsheet.lint import CODES
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import lint_report

    unknown = [c for c in check or () if c not in CODES]
    if unknown:
        raise UsageError(
            f"{unknown[0]!r} is not a check",
            option="--check",
            hint=f"use one of: {', '.join(CODES)}",
        )
    location = service.resolve_location(workbook)
    plan, codes, findings = service.lint(location, only=check)
    if owner is not None:
        owners = {kr.owner.casefold() for kr in plan.key_results}
        if owner.casefold() not in owners:
            raise UsageError(
                f"no key result is owned by {owner!r}",
                option="--owner",
                hint=f"owners: {', '.join(sorted({kr.owner for kr in plan.key_results}))}",
            )
        findings = [f for f in findings if f.owner.casefold() == owner.casefold()]
    report = lint_report(plan, findings, codes)
    if report.findings or output_format is not OutputFormat.TABLE:
        emit(output_format, report, table=lambda: tables.lint_table(report))
    if not codes:
        console.err().print("The 'KR checks' setting turns every check off.")
    elif not report.findings and output_format is OutputFormat.TABLE:
        console.err().print(f"No findings in {plan.settings.company or location}.")
    if strict and report.findings:
        raise typer.Exit(int(ExitCode.INVALID_CONTENT))
