"""`ecoguard cases ...`: import findings and clues, list, show, act, comment, attach, export.

Commands run as a registered user with ``--as USERNAME`` (their role and region scope apply,
and the audit log names them); without it they run as the unrestricted administrator ``cli``.
Exit codes: 0 ok; 1 data problems (rows refused, a transition refused, a stale version);
2 usage (bad options, unreadable file, unknown user or case).
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from ecoguard.cases.deadlines import cst_date
from ecoguard.cases.definitions import DEFINITIONS, definition
from ecoguard.cases.demo import seed_cases
from ecoguard.cases.exports import TABLES, clue_features, write_published_table
from ecoguard.cases.importers import CaseInputError, ImportResult, import_clues, import_findings
from ecoguard.cases.models import Case
from ecoguard.cases.service import CaseFilter, CaseService, StaleCaseError, TransitionRefusedError
from ecoguard.cli.output import OutputFormat, write_rows
from ecoguard.cli.registry_access import registry_session
from ecoguard.config import get_settings
from ecoguard.registry.audit import set_actor
from ecoguard.registry.base import utcnow
from ecoguard.registry.errors import NotFoundError, RegistryError
from ecoguard.registry.models import Region, User
from ecoguard.registry.scope import Scope, scope_for_user

app = typer.Typer(
    help="Supervision casework: 督察整改 findings and red-line / nature-reserve clues (图斑).",
    no_args_is_help=True,
)
_err = Console(stderr=True, soft_wrap=True)
_out = Console(soft_wrap=True, width=160)

AsUser = Annotated[
    str | None,
    typer.Option("--as", help="act as this registered user (role and region scope apply)"),
]


class ExportKind(StrEnum):
    """What `cases export` writes."""

    progress = "progress"  # 整改落实情况表 (xlsx)
    disclosure = "disclosure"  # 公开清单 of closed-out findings (xlsx)
    clues = "clues"  # 图斑核查处理情况表 (xlsx)
    geojson = "geojson"  # clues as GeoJSON


def _usage(message: str) -> typer.Exit:
    _err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code=2)


@contextmanager
def _service(username: str | None) -> Iterator[CaseService]:
    """A committing case service as ``username`` (or the unrestricted ``cli``)."""
    with registry_session(actor=username or "cli") as session:
        if username is None:
            scope = Scope.system("cli")
        else:
            user = session.scalars(select(User).where(User.username == username)).one_or_none()
            if user is None or not user.is_active:
                raise _usage(f"no active user {username!r}")
            set_actor(session, user.username, user.id)
            scope = scope_for_user(session, user)
        yield CaseService(session, scope, attachments_root=get_settings().home / "attachments")


def _report(result: ImportResult, fmt: OutputFormat, output: Path | None) -> None:
    _err.print(
        f"{result.file}: read {result.rows}, created {len(result.created)}, "
        f"refused {len({e.row for e in result.errors})}"
    )
    if result.errors:
        rows = [
            {"file": e.file, "row": e.row, "field": e.field, "rule": e.rule, "value": e.value}
            for e in result.errors
        ]
        write_rows(rows, fmt, output=output, title=f"{result.file}: refused rows")
        raise typer.Exit(code=1)


@app.command("import-findings")
def import_findings_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Excel (.xlsx)")],
    as_user: AsUser = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option(help="write the refused rows here")] = None,
) -> None:
    """Import one inspection round's findings (问题编号, 轮次, 反馈日期, 问题内容, 区划代码...)."""
    with _service(as_user) as service:
        try:
            result = import_findings(service, file)
        except CaseInputError as exc:
            raise _usage(str(exc)) from exc
    _report(result, fmt, output)


@app.command("import-clues")
def import_clues_cmd(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="GeoJSON, Shapefile, GPKG, xlsx")
    ],
    as_user: AsUser = None,
    region: Annotated[
        str | None, typer.Option(help="adcode for clues outside every registered boundary")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="layer inside a GeoPackage")] = None,
    encoding: Annotated[str | None, typer.Option(help="attribute encoding, e.g. GBK")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option(help="write the refused rows here")] = None,
) -> None:
    """Import a batch of red-line / nature-reserve clues (polygons or centre points)."""
    kwargs: dict[str, Any] = {}
    if file.suffix.lower() not in (".xlsx", ".xlsm"):
        kwargs = {"layer": layer, "encoding": encoding}
    with _service(as_user) as service:
        try:
            result = import_clues(service, file, default_region=region, **kwargs)
        except CaseInputError as exc:
            raise _usage(str(exc)) from exc
    _report(result, fmt, output)


def _row(service: CaseService, case: Case) -> dict[str, Any]:
    d = definition(case.case_type)
    return {
        "id": case.id,
        "type": case.case_type,
        "reference": case.reference,
        "region": case.region_adcode,
        "batch": case.batch,
        "state": case.state,
        "state_label": d.states.get(case.state, case.state),
        "deadline": case.deadline.isoformat() if case.deadline else None,
        "due": service.due(case).value,
        "assignee_unit": case.assignee_unit,
        "assignee_user_id": case.assignee_user_id,
        "relapses": case.relapse_count,
        "lookback_due": case.lookback_due.isoformat() if case.lookback_due else None,
        "version": case.version,
        "title": case.title,
    }


#: Columns of the terminal table (csv, json and xlsx carry every column).
COMPACT_COLUMNS = [
    "id",
    "reference",
    "region",
    "state_label",
    "deadline",
    "due",
    "assignee_unit",
    "relapses",
    "version",
    "title",
]


def _filter(
    case_type: str | None,
    state: str | None,
    region: str | None,
    batch: str | None,
    overdue: bool,
    due_soon: bool,
    days: int,
    relapsed: bool,
    q: str | None,
    lookback_overdue: bool = False,
) -> CaseFilter:
    if case_type is not None and case_type not in DEFINITIONS:
        raise _usage(f"unknown case type {case_type!r}; known: {', '.join(DEFINITIONS)}")
    return CaseFilter(
        case_type=case_type,
        state=state,
        region_adcode=region,
        batch=batch,
        overdue=overdue,
        due_soon=due_soon,
        due_soon_days=days,
        relapsed=relapsed,
        lookback_overdue=lookback_overdue,
        q=q,
    )


TypeOpt = Annotated[str | None, typer.Option("--type", help="inspection_finding or redline_clue")]
StateOpt = Annotated[str | None, typer.Option(help="state, e.g. in_progress")]
RegionOpt = Annotated[str | None, typer.Option(help="adcode; includes the regions below it")]
BatchOpt = Annotated[str | None, typer.Option(help="round/batch label as imported")]
OverdueOpt = Annotated[bool, typer.Option("--overdue", help="only overdue (CST calendar)")]
DueSoonOpt = Annotated[bool, typer.Option("--due-soon", help="only due within --days")]
DaysOpt = Annotated[int, typer.Option(min=0, max=366, help="horizon of --due-soon [day]")]


@app.command("list")
def list_cmd(
    as_user: AsUser = None,
    case_type: TypeOpt = None,
    state: StateOpt = None,
    region: RegionOpt = None,
    batch: BatchOpt = None,
    overdue: OverdueOpt = False,
    due_soon: DueSoonOpt = False,
    days: DaysOpt = 7,
    relapsed: Annotated[bool, typer.Option("--relapsed", help="only cases that relapsed")] = False,
    lookback_overdue: Annotated[
        bool, typer.Option("--lookback-overdue", help="only look-back checks past their due date")
    ] = False,
    q: Annotated[str | None, typer.Option(help="text in the title or reference")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 1000,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option(help="write here (required for xlsx)")] = None,
) -> None:
    """List cases in scope, ordered by deadline."""
    f = _filter(
        case_type, state, region, batch, overdue, due_soon, days, relapsed, q, lookback_overdue
    )
    with _service(as_user) as service:
        rows, total = service.search(f, limit=limit)
        table = [_row(service, c) for c in rows]
    columns = None if table and fmt is not OutputFormat.table else COMPACT_COLUMNS
    write_rows(table, fmt, columns=columns, output=output, title=f"cases ({total})")


@app.command("summary")
def summary(
    as_user: AsUser = None,
    case_type: TypeOpt = None,
    region: RegionOpt = None,
    batch: BatchOpt = None,
    days: DaysOpt = 7,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option(help="write here (required for xlsx)")] = None,
) -> None:
    """Counts per case type and region: total, per state, overdue, due soon, closed, relapses."""
    f = _filter(case_type, None, region, batch, False, False, days, False, None)
    with _service(as_user) as service:
        counts = service.summary(f, days)
    rows = []
    for c in counts:
        rows.append(
            {
                "type": c["case_type"],
                "region": c["region_adcode"],
                "total": c["total"],
                "overdue": c["overdue"],
                "due_soon": c["due_soon"],
                "closed": c["closed"],
                "relapses": c["relapses"],
                "states": ", ".join(f"{k} {v}" for k, v in c["states"].items() if v),
            }
        )
    columns = ["type", "region", "total", "overdue", "due_soon", "closed", "relapses", "states"]
    write_rows(rows, fmt, columns=columns, output=output, title="cases by type and region")


def _find(service: CaseService, ident: str, case_type: str | None) -> Case:
    try:
        if ident.isdigit():
            return service.get(int(ident))
        return service.by_reference(case_type or "inspection_finding", ident)
    except NotFoundError as exc:
        raise _usage(exc.message) from exc


@app.command("show")
def show(
    ident: Annotated[str, typer.Argument(help="case id, or reference (with --type)")],
    as_user: AsUser = None,
    case_type: TypeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show a case, its timeline and the transitions open to you."""
    with _service(as_user) as service:
        case = _find(service, ident, case_type)
        row = _row(service, case)
        events: list[dict[str, Any]] = [
            {
                "at": e.at.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat(),
                "kind": e.kind,
                "transition": e.transition,
                "from": e.from_state,
                "to": e.to_state,
                "actor": e.actor,
                "role": e.actor_role,
                "payload": e.payload,
            }
            for e in service.timeline(case)
        ]
        options: list[dict[str, Any]] = [
            {
                "transition": t.name,
                "label": t.label,
                "fields": [f.name + ("" if f.required else "?") for f in t.fields],
                "blocked_by": [r.message for r in blockers],
            }
            for _d, t, blockers in service.transitions(case)
        ]
        details = dict(case.details or {})
    if as_json:
        doc = {**row, "details": details, "timeline": events, "transitions": options}
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    _out.print(f"[bold]{escape(row['reference'])}[/bold] {escape(row['title'])}")
    for key in ("id", "type", "region", "batch", "state_label", "deadline", "due", "version"):
        _out.print(f"  {key}: {escape(str(row[key]))}")
    for key, value in details.items():
        _out.print(f"  {escape(key)}: {escape(json.dumps(value, ensure_ascii=False))}")
    timeline = Table(title="timeline (CST)")
    for col in ("at", "event", "actor", "details"):
        timeline.add_column(col, overflow="fold")
    for e in events:
        label = str(e["transition"] or e["kind"])
        if e["to"]:
            label += f" → {e['to']}"
        payload = json.dumps(e["payload"], ensure_ascii=False)
        timeline.add_row(str(e["at"])[:19], label, f"{e['actor']} ({e['role']})", payload)
    _out.print(timeline)
    for o in options:
        status = "blocked: " + "; ".join(o["blocked_by"]) if o["blocked_by"] else "available"
        _out.print(f"  → {o['transition']} ({o['label']}) {', '.join(o['fields'])}: {status}")


def _payload(values: list[str] | None, json_file: Path | None) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if json_file is not None:
        try:
            loaded = json.loads(json_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _usage(f"{json_file}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise _usage(f"{json_file}: expected a JSON object")
        payload.update(loaded)
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _usage(f"--set expects field=value, got {item!r}")
        if key in payload and isinstance(payload[key], list):
            payload[key].append(value)
        elif key in payload:
            payload[key] = [payload[key], value]
        else:
            payload[key] = value
    return payload


@app.command("act")
def act(
    ident: Annotated[str, typer.Argument(help="case id, or reference (with --type)")],
    transition: Annotated[str, typer.Argument(help="e.g. submit_plan, complete, accept")],
    as_user: AsUser = None,
    case_type: TypeOpt = None,
    values: Annotated[
        list[str] | None,
        typer.Option("--set", help="field=value; repeat a field for a list (measures)"),
    ] = None,
    json_file: Annotated[Path | None, typer.Option("--json", help="payload as JSON")] = None,
    expected_version: Annotated[
        int | None, typer.Option(help="refuse if the case changed since this version")
    ] = None,
) -> None:
    """Take a transition; refused transitions say every reason (exit 1)."""
    payload = _payload(values, json_file)
    try:
        with _service(as_user) as service:
            case = _find(service, ident, case_type)
            case = service.act(case.id, transition, payload, expected_version=expected_version)
            _err.print(f"case {case.id} ({case.reference}): {transition} → {case.state}")
    except TransitionRefusedError as exc:
        _err.print(f"[red]refused:[/red] {escape(exc.message)}")
        raise typer.Exit(code=1) from exc
    except StaleCaseError as exc:
        _err.print(f"[red]conflict:[/red] {escape(exc.message)}")
        raise typer.Exit(code=1) from exc


@app.command("assign")
def assign(
    ident: Annotated[str, typer.Argument(help="case id, or reference (with --type)")],
    unit: Annotated[str, typer.Option(help="responsible unit (责任单位)")],
    user: Annotated[str | None, typer.Option(help="responsible officer's username")] = None,
    as_user: AsUser = None,
    case_type: TypeOpt = None,
) -> None:
    """Assign a case to a responsible unit and (optionally) an officer."""
    with _service(as_user) as service:
        case = _find(service, ident, case_type)
        user_id = None
        if user is not None:
            user_id = service.session.scalar(select(User.id).where(User.username == user))
            if user_id is None:
                raise _usage(f"no user {user!r}")
        try:
            service.assign(case.id, unit=unit, user_id=user_id)
        except RegistryError as exc:
            raise _usage(exc.message) from exc
        _err.print(f"case {case.id} ({case.reference}) assigned to {unit} {user or ''}".strip())


@app.command("comment")
def comment(
    ident: Annotated[str, typer.Argument(help="case id, or reference (with --type)")],
    text: Annotated[str, typer.Argument(help="the comment")],
    as_user: AsUser = None,
    case_type: TypeOpt = None,
) -> None:
    """Add a comment to a case."""
    with _service(as_user) as service:
        case = _find(service, ident, case_type)
        try:
            service.comment(case.id, text)
        except RegistryError as exc:
            raise _usage(exc.message) from exc


@app.command("attach")
def attach(
    ident: Annotated[str, typer.Argument(help="case id, or reference (with --type)")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    as_user: AsUser = None,
    case_type: TypeOpt = None,
    kind: Annotated[str, typer.Option(help="evidence, photo or document")] = "evidence",
) -> None:
    """Attach a file (stored by SHA-256 under ECOGUARD_HOME/attachments)."""
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    with _service(as_user) as service:
        case = _find(service, ident, case_type)
        try:
            row, reused = service.attach(
                case.id, file.name, file.read_bytes(), content_type=content_type, kind=kind
            )
        except RegistryError as exc:
            raise _usage(exc.message) from exc
        _err.print(f"attached {row.filename} sha256:{row.sha256[:16]} to case {case.id}")
        if reused and kind == "evidence":
            _err.print(
                f"[yellow]warning:[/yellow] the same file is evidence on case(s) {reused}: "
                "it does not count as evidence here"
            )


@app.command("lookback")
def lookback(
    fraction: Annotated[float, typer.Option(min=0.0, max=1.0, help="share of closed cases")],
    due: Annotated[str, typer.Option(help="due date of the spot checks, YYYY-MM-DD")],
    seed: Annotated[int, typer.Option(help="random seed (record it for the file)")] = 0,
    batch: BatchOpt = None,
    as_user: AsUser = None,
) -> None:
    """Schedule look-back spot checks (回头看) on a random share of closed findings."""
    try:
        due_date = dt.date.fromisoformat(due)
    except ValueError as exc:
        raise _usage(f"--due: expected YYYY-MM-DD, got {due!r}") from exc
    with _service(as_user) as service:
        try:
            cases = service.schedule_lookbacks(
                fraction=fraction, due=due_date, seed=seed, batch=batch
            )
        except TransitionRefusedError as exc:
            _err.print(f"[red]refused:[/red] {escape(exc.message)}")
            raise typer.Exit(code=1) from exc
        except RegistryError as exc:
            raise _usage(exc.message) from exc
        refs = [c.reference for c in cases]
    _err.print(f"scheduled {len(refs)} look-back check(s) due {due_date}: {', '.join(refs)}")


@app.command("export")
def export(
    kind: Annotated[ExportKind, typer.Argument(help="progress, disclosure, clues or geojson")],
    output: Annotated[Path, typer.Option(help="file to write (.xlsx, or .geojson)")],
    as_user: AsUser = None,
    region: RegionOpt = None,
    batch: BatchOpt = None,
    title: Annotated[str | None, typer.Option(help="title line of the table")] = None,
) -> None:
    """Write the progress table, the public disclosure list, the clue table or clue GeoJSON."""
    case_type = "redline_clue" if kind is ExportKind.geojson else TABLES[kind.value][0]
    f = CaseFilter(case_type=case_type, region_adcode=region, batch=batch)
    now = utcnow()
    with _service(as_user) as service:
        stmt = service.filtered(f).order_by(Case.region_adcode, Case.reference)
        cases = list(service.session.scalars(stmt))
        names: dict[str, str] = {}
        for adcode, name in service.session.execute(select(Region.adcode, Region.name)):
            names[adcode] = name
    if kind is ExportKind.geojson:
        output.write_text(json.dumps(clue_features(cases, now), ensure_ascii=False), "utf-8")
    else:
        heading = title or (batch or "") + TABLES[kind.value][1]
        write_published_table(output, kind.value, cases, now, region_names=names, title=heading)
    _err.print(f"wrote {len(cases)} case(s) to {output}")


@app.command("demo")
def demo() -> None:
    """Create fictitious demo cases (示例, references DEMO-...) in the demo province, driven
    through the real workflow by the demo users; needs `ecoguard demo` (or the demo seed) first."""
    with registry_session(actor="cli") as session:
        users = {u.username: u for u in session.scalars(select(User))}
        missing = {"analyst", "admin"} - set(users)
        if missing:
            raise _usage(f"demo users {sorted(missing)} not found: run `ecoguard demo` first")
        root = get_settings().home / "attachments"

        def as_user(name: str) -> CaseService:
            return CaseService(session, scope_for_user(session, users[name]), attachments_root=root)

        report = seed_cases(as_user, cst_date(utcnow()))
    _err.print(f"demo cases created: {report.findings} findings, {report.clues} clues")


@app.command("types")
def types() -> None:
    """Print each case type's states and transitions (who may take them, what they need)."""
    for d in DEFINITIONS.values():
        table = Table(title=f"{d.case_type} {d.label}")
        for col in ("transition", "from", "to", "roles", "fields", "guards"):
            table.add_column(col, overflow="fold")
        for t in d.transitions:
            table.add_row(
                f"{t.name} {t.label}",
                ", ".join(sorted(t.sources)),
                t.target,
                ", ".join(sorted(r.value for r in t.roles)),
                ", ".join(f.name + ("" if f.required else "?") for f in t.fields),
                ", ".join(g.value for g in t.guards),
            )
        _out.print(table)
