"""The CSV contract of every report, without the command line: each report model's COLUMNS
and the flat rows its rows() builds from the example company's plan."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from okrsheet import reports, service
from okrsheet.domain.model import Plan, cycle_from_name, rewind
from okrsheet.errors import UsageError
from okrsheet.layout import ParsedWorkbook
from okrsheet.render import machine
from okrsheet.stores import Location
from okrsheet.templates import EXAMPLE_TEMPLATE

AS_OF = date(2026, 11, 16)


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> ParsedWorkbook:
    path = tmp_path_factory.mktemp("reports") / "x.xlsx"
    location = Location(path=path)
    service.init_workbook(
        location,
        template=EXAMPLE_TEMPLATE,
        cycle=cycle_from_name("2026-Q4"),
        people=None,
        example=True,
        force=False,
        company=None,
        today=AS_OF,
    )
    return service.load(location)


@pytest.fixture(scope="module")
def plan(parsed: ParsedWorkbook) -> Plan:
    return rewind(parsed.plan, AS_OF)


def check_rows(report: reports.Report) -> list[reports.Row]:
    """Every column is filled by some row (a misspelt column would print empty), and CSV
    prints the columns as its header and one record per row."""
    rows = report.rows()
    if rows:
        assert set(report.COLUMNS) <= {key for row in rows for key in row}
    records = list(csv.reader(io.StringIO(machine.to_csv(rows, report.COLUMNS))))
    assert records[0] == list(report.COLUMNS)
    assert len(records) == len(rows) + 1
    return rows


def test_status_rows_are_key_results_with_their_objective(plan: Plan) -> None:
    report = reports.status_report(plan, AS_OF)
    rows = check_rows(report)
    assert report.COLUMNS[:4] == ("objective_id", "objective", "id", "title")
    assert len(rows) == sum(len(o.key_results) for o in report.objectives) > 0
    first = report.objectives[0]
    assert rows[0]["objective"] == first.title
    assert rows[0]["id"] == first.key_results[0].id
    assert rows[0]["objective_id"] == first.id


def test_lagging_rows_are_key_results_then_kpis(plan: Plan) -> None:
    report = reports.lagging_report(plan, AS_OF)
    rows = check_rows(report)
    assert report.COLUMNS[-1] == "why"
    assert len(rows) == len(report.lagging) + len(report.kpis)
    assert report.lagging, "the example has lagging key results"
    assert rows[0]["why"] == "; ".join(report.lagging[0].reasons)
    assert [r["status"] for r in rows[len(report.lagging) :]] == ["KPI"] * len(report.kpis)


def test_each_lagging_row_names_its_own_objective(plan: Plan) -> None:
    """The objectives are looked up by ID once per report: each row still names the one its
    key result belongs to, as `plan.objective` finds it."""
    report = reports.lagging_report(plan, AS_OF)
    krs = {k.id: k for k in plan.key_results}
    assert len({row.objective_id for row in report.lagging}) > 1
    for row in report.lagging:
        objective = plan.objective(krs[row.id].objective_id)
        assert objective is not None
        assert (row.objective_id, row.objective, row.level) == (
            objective.id,
            objective.title,
            objective.level.value,
        )


def test_quiet_owner_rows(plan: Plan) -> None:
    report = reports.quiet_owners_report(plan, date(2027, 1, 30))
    rows = check_rows(report)
    assert report.COLUMNS == ("owner", "last_checkin", "open_key_results")
    assert [r["owner"] for r in rows] == [o.owner for o in report.owners]


def test_grade_rows_are_key_results(plan: Plan) -> None:
    report = reports.grade_report(plan, AS_OF)
    rows = check_rows(report)
    columns = ("id", "objective_id", "title", "owner", "kind", "grade", "band")
    assert (*columns, "final_grade", "reason") == report.COLUMNS
    assert [r["id"] for r in rows] == [k.id for k in report.key_results]


def test_history_rows_are_checkins_with_json_dates(plan: Plan) -> None:
    report = reports.history_report(plan, "SALES-1.1", AS_OF)
    assert report is not None
    rows = check_rows(report)
    assert report.COLUMNS == ("date", "value", "progress", "confidence", "author", "note")
    assert len(rows) == len(report.checkins) > 1
    assert rows[0]["date"] == report.checkins[0].date.isoformat()


def test_todo_rows(plan: Plan) -> None:
    report = reports.todo_report(plan, "Marcus Webb", AS_OF)
    rows = check_rows(report)
    assert report.COLUMNS == ("id", "title", "action", "why")
    assert rows and rows == [i.model_dump(mode="json") for i in report.items]


def test_tree_rows_indent_titles_and_name_parents(plan: Plan) -> None:
    report = reports.tree_report(plan, AS_OF)
    rows = check_rows(report)
    assert report.COLUMNS[:3] == ("depth", "id", "title")
    root = report.roots[0]
    assert rows[0] == rows[0] | {"depth": 0, "id": root.id, "parent": "", "title": root.title}
    child = root.children[0]
    assert rows[1]["depth"] == 1
    assert rows[1]["parent"] == root.id
    assert rows[1]["title"] == "  " + child.title


def test_deps_rows_say_their_direction(parsed: ParsedWorkbook, plan: Plan) -> None:
    members, who = reports.deps_scope(parsed.people, team="Sales")
    assert who == "Sales"
    assert members is not None and members[-1] == "Sales"
    report = reports.deps_report(plan, AS_OF, members=members, who=who)
    rows = check_rows(report)
    assert report.COLUMNS[0] == "direction"
    directions = [r["direction"] for r in rows]
    assert directions == ["needs"] * len(report.depends_on) + ["needed by"] * len(
        report.depended_on_by
    )
    assert "needs" in directions


def test_deps_scope_is_everyone_one_owner_or_a_team() -> None:
    people = {"Ann": "Sales", "Bo": "sales", "Cy": "Marketing"}
    assert reports.deps_scope(people) == (None, None)
    assert reports.deps_scope(people, owner="Cy") == (["Cy"], "Cy")
    assert reports.deps_scope(people, team="SALES") == (["Ann", "Bo", "SALES"], "SALES")
    with pytest.raises(UsageError, match="not both"):
        reports.deps_scope(people, owner="Cy", team="Sales")
    with pytest.raises(UsageError, match="no team named 'Nope'") as error:
        reports.deps_scope(people, team="Nope")
    assert error.value.option == "--team"
    assert error.value.hint is not None and error.value.hint.startswith("teams: Marketing, ")


def test_validation_rows() -> None:
    report = reports.validation_report([])
    assert report.COLUMNS == ("severity", "where", "code", "message")
    assert report.rows() == []


def test_every_report_has_columns() -> None:
    """A new report model without its CSV shape fails here, not in a user's script."""
    classes = [
        getattr(reports, name)
        for name in reports.__all__
        if isinstance(getattr(reports, name), type)
        and issubclass(getattr(reports, name), reports.Report)
        and getattr(reports, name) is not reports.Report
    ]
    assert len(classes) == 12
    for cls in classes:
        assert cls.COLUMNS and len(set(cls.COLUMNS)) == len(cls.COLUMNS), cls
