"""Publish the package to a CKAN portal: read the portal's state, plan, then upsert.

Every action goes through ``client.Portal.call`` (timeouts, retries of reads, one clear
``DataError`` per failure, the API token scrubbed: see ``client``). ``make_plan`` is pure: from
the wanted dataset (``mapping``) and the portal's ``package_show`` (or None), it decides per
resource ``create | update | unchanged | delete``, matching resources by ``uri``; a field is sent
only when it differs from what the portal has, and a file is uploaded only when its size or
SHA-256 differs (or the portal's copy is not an upload). ``publish`` runs the plan:

  license_list, organization_list_for_user, package_show      (3 reads, every run)
  package_create | package_patch                              (only when a dataset field differs)
  resource_delete                                             (resources not in the package; duplicates)
  resource_create | resource_patch                            (one call per new or changed file)
  package_resource_reorder                                    (only when the order differs)
  datastore_create | datastore_upsert (+ search, delete)      (--datastore: new or changed tables)

So an unchanged re-publish makes 3 calls and writes nothing (``metadata_modified`` stays); a
publish stopped midway is completed by the next run (what was written is found by its ``uri``
and compared like everything else). A changed table is loaded into the DataStore before its file
is uploaded, so that a run stopped between the two still sees the file as changed next time.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import model
from ..errors import DataError, Problem
from . import mapping
from .client import NotFoundError, Portal

#: Resource fields that decide whether the file itself must be uploaded again.
FILE_FIELDS = ("size", "hash")
#: Dataset fields compared as plain values (name is the key; tags, extras, owner_org apart).
PLAIN_FIELDS = ("title", "notes", "author", "author_email", "maintainer", "maintainer_email", "url",
                "version", "license_id")
#: Rows per DataStore call.
CHUNK = 5000
#: Rows per datastore_search page when the keys of a table are read back.
SEARCH_PAGE = 32000


# --- the plan (pure) ---------------------------------------------------------------------------

@dataclass
class Step:
    path: str
    uri: str
    action: str  # create | update | unchanged | delete
    upload: bool = False
    changed: list[str] = field(default_factory=list)
    id: str | None = None
    table: str | None = None
    datastore_active: bool = False


@dataclass
class Plan:
    dataset: str  # create | update | unchanged
    dataset_changed: list[str]
    steps: list[Step]  # the package's resources in order, then the deletions

    def counts(self) -> dict[str, int]:
        c = Counter(s.action for s in self.steps)
        return {a: c.get(a, 0) for a in ("create", "update", "unchanged", "delete")} | {
            "uploads": sum(s.upload for s in self.steps)}


def _text(value) -> str:
    return "" if value is None else str(value)


def dataset_changes(wanted: dict, current: dict) -> list[str]:
    """The dataset fields whose value on the portal differs from ``wanted``."""
    changed = [k for k in PLAIN_FIELDS if k in wanted and _text(wanted[k]) != _text(current.get(k))]
    org = current.get("organization") or {}
    if wanted.get("owner_org") not in (current.get("owner_org"), org.get("name"), org.get("id")):
        changed.append("owner_org")
    if sorted(t["name"] for t in wanted.get("tags", [])) != sorted(t.get("name") for t in current.get("tags") or []):
        changed.append("tags")
    want_extras = {e["key"]: _text(e["value"]) for e in wanted.get("extras", [])}
    have_extras = {e.get("key"): _text(e.get("value")) for e in current.get("extras") or []}
    if want_extras != have_extras:
        changed.append("extras")
    if current.get("state", "active") != "active":
        changed.append("state")
    return changed


def resource_changes(fields: dict, current: dict) -> list[str]:
    return [k for k, v in fields.items() if _text(v) != _text(current.get(k))]


def make_plan(spec: mapping.DatasetSpec, wanted: dict, current: dict | None) -> Plan:
    """What to do, from the wanted dataset and the portal's ``package_show`` (None: no dataset)."""
    if current is None:
        steps = [Step(r.path, r.uri, "create", upload=True, changed=sorted(r.fields), table=r.table)
                 for r in spec.resources]
        return Plan("create", [], steps)
    by_uri: dict[str, dict] = {}
    extra: list[dict] = []
    for res in current.get("resources") or []:
        uri = res.get("uri")
        if uri and uri not in by_uri:
            by_uri[uri] = res
        else:
            extra.append(res)  # no uri, or a duplicate of one already seen: not ours to keep
    steps = []
    wanted_uris = set()
    for r in spec.resources:
        wanted_uris.add(r.uri)
        have = by_uri.get(r.uri)
        if have is None:
            steps.append(Step(r.path, r.uri, "create", upload=True, changed=sorted(r.fields), table=r.table))
            continue
        changed = resource_changes(r.fields, have)
        upload = any(k in changed for k in FILE_FIELDS) or have.get("url_type") != "upload"
        steps.append(Step(r.path, r.uri, "update" if changed or upload else "unchanged", upload=upload,
                          changed=changed, id=have.get("id"), table=r.table,
                          datastore_active=bool(have.get("datastore_active"))))
    stale = [res for uri, res in by_uri.items() if uri not in wanted_uris] + extra
    steps += [Step(res.get("name") or "", res.get("uri") or "", "delete", id=res.get("id")) for res in stale]
    changed = dataset_changes(wanted, current)
    return Plan("update" if changed else "unchanged", changed, steps)


# --- running it --------------------------------------------------------------------------------

def check_organisation(portal: Portal, org: str) -> None:
    """The organisation exists and the token's user may create datasets in it (one call)."""
    mine = portal.call("organization_list_for_user", permission="create_dataset")
    if any(org in (o.get("name"), o.get("id")) for o in mine or []):
        return
    try:
        portal.call("organization_show", id=org, include_datasets=False)
    except NotFoundError:
        raise DataError([Problem(portal.url, None, f"organisation {org!r} does not exist on the portal",
                                 "create it in CKAN, or pass the name of an existing one with --owner-org")]) from None
    raise DataError([Problem(portal.url, None,
                             f"the API token's user may not create datasets in organisation {org!r} "
                             "(or the token is invalid or expired)",
                             "set CKAN_API_TOKEN to a valid token of an editor or admin of the organisation")])


def publish(package_dir: Path, portal: Portal, owner_org: str, license_id: str | None = None,
            dry_run: bool = False, datastore: bool = False,
            progress: Callable[[str], None] | None = None) -> dict:
    """Publish (or, with ``dry_run``, plan) the package in ``package_dir``; return the result."""
    start = time.monotonic()
    say = progress or (lambda _msg: None)
    package_dir = Path(package_dir)
    pkg = model.load(package_dir)
    spec = mapping.dataset_spec(pkg, package_dir)  # every local check before the first call
    say(f"read {package_dir}: {len(spec.resources)} files")
    licence = mapping.choose_license(portal.call("license_list"), pkg.metadata["licenses"][0]["path"], license_id,
                                     portal.url)
    check_organisation(portal, owner_org)
    try:
        current = portal.call("package_show", id=spec.name)
    except NotFoundError:
        current = None
    wanted = {**spec.fields, "owner_org": owner_org, "license_id": licence}
    plan = make_plan(spec, wanted, current)
    say(f"plan: dataset {plan.dataset}; " + ", ".join(f"{k} {v}" for k, v in plan.counts().items()))
    tables: dict[str, dict] = {}
    if not dry_run:
        package = _apply_dataset(portal, plan, wanted, current, say)
        _apply_resources(portal, plan, spec, package, pkg if datastore else None, tables, say)
    elif datastore:
        for step in plan.steps:
            if step.table:
                tables[step.table] = {"action": _datastore_action(step), "rows": len(pkg.tables[step.table])}
    result = {
        "dataset": spec.name,
        "url": f"{portal.url}/dataset/{spec.name}",
        "dry_run": dry_run,
        "dataset_action": plan.dataset,
        "dataset_changed": plan.dataset_changed,
        "license_id": licence,
        "owner_org": owner_org,
        "counts": plan.counts(),
        "resources": [{k: v for k, v in asdict(s).items() if k not in ("datastore_active",)} for s in plan.steps],
        "api_calls": portal.n_calls,
        "calls": dict(sorted(portal.calls.items())),
        "seconds": round(time.monotonic() - start, 3),
        "seconds_in_calls": round(portal.seconds, 3),
    }
    if datastore:
        result["datastore"] = tables
    return result


def _apply_dataset(portal: Portal, plan: Plan, wanted: dict, current: dict | None, say) -> dict:
    if plan.dataset == "create":
        say(f"create dataset {wanted['name']}")
        return portal.call("package_create", **wanted)
    if plan.dataset == "update":
        say(f"update dataset {wanted['name']}: {', '.join(plan.dataset_changed)}")
        changes = {k: wanted[k] for k in plan.dataset_changed if k != "state"}
        if "state" in plan.dataset_changed:
            changes["state"] = "active"
        return portal.call("package_patch", id=current["id"], **changes)  # type: ignore[index]
    return current  # type: ignore[return-value]


def _datastore_action(step: Step) -> str:
    if step.action == "create" or not step.datastore_active:
        return "create"
    if step.upload:
        return "upsert"
    if "schema" in step.changed:
        return "fields"
    return "unchanged"


def _apply_resources(portal: Portal, plan: Plan, spec: mapping.DatasetSpec, package: dict,
                     pkg: model.Package | None, tables: dict, say) -> None:
    package_id = package["id"]
    order = [r.get("id") for r in package.get("resources") or []]
    specs = {r.uri: r for r in spec.resources}
    for step in plan.steps:
        if step.action == "delete":
            say(f"delete resource {step.path or step.id} ({step.uri or 'no uri'})")
            portal.call("resource_delete", id=step.id)
            order = [i for i in order if i != step.id]
    final: list[str] = []
    for step in plan.steps:
        if step.action == "delete":
            continue
        r = specs[step.uri]
        load = _datastore_action(step) if pkg is not None and step.table is not None else None
        if load == "upsert" and pkg is not None:
            _load_table(portal, step, pkg, load, tables, say)  # before the upload: see the docstring
            load = None
        if step.action == "create":
            say(f"create resource {r.path} ({r.fields['size']} bytes)")
            step.id = portal.call("resource_create", upload=r.file, package_id=package_id, **r.fields)["id"]
            order.append(step.id)
        elif step.action == "update" and step.upload:
            say(f"upload resource {r.path} ({r.fields['size']} bytes)")
            portal.call("resource_patch", upload=r.file, id=step.id, **r.fields)
        elif step.action == "update":
            say(f"update resource {r.path}: {', '.join(step.changed)}")
            portal.call("resource_patch", id=step.id, **{k: r.fields[k] for k in step.changed})
        if load is not None and pkg is not None:
            _load_table(portal, step, pkg, load, tables, say)
        final.append(str(step.id))
    if [i for i in order if i in final] != final or len(order) != len(final):
        say("reorder resources")
        portal.call("package_resource_reorder", id=package_id, order=final)


def _load_table(portal: Portal, step: Step, pkg: model.Package, action: str, tables: dict, say) -> None:
    table = pkg.resource(str(step.table))
    rows = pkg.tables[str(step.table)]
    fields = mapping.datastore_fields(table)
    key = list(table.get("primaryKey") or [])
    figures: dict = {"action": action, "rows": len(rows)}
    if action == "create":
        say(f"DataStore: create {step.table} ({len(rows)} rows)")
        portal.call("datastore_create", resource_id=step.id, force=True, fields=fields, primary_key=key,
                    records=rows[:CHUNK])
        for i in range(CHUNK, len(rows), CHUNK):
            portal.call("datastore_upsert", resource_id=step.id, force=True, method="insert",
                        records=rows[i:i + CHUNK])
    elif action == "fields":
        say(f"DataStore: update the data dictionary of {step.table}")
        portal.call("datastore_create", resource_id=step.id, force=True, fields=fields, primary_key=key)
    elif action == "upsert":
        say(f"DataStore: upsert {step.table} ({len(rows)} rows)")
        if "schema" in step.changed:
            portal.call("datastore_create", resource_id=step.id, force=True, fields=fields, primary_key=key)
        for i in range(0, len(rows), CHUNK):
            portal.call("datastore_upsert", resource_id=step.id, force=True, method="upsert",
                        records=rows[i:i + CHUNK])
        figures["deleted_rows"] = _delete_stale_rows(portal, str(step.id), key, rows)
    tables[str(step.table)] = figures


def _delete_stale_rows(portal: Portal, resource_id: str, key: list[str], rows: list[dict]) -> int:
    """Delete the DataStore rows whose primary key the table no longer has (upsert keeps them)."""
    wanted = {tuple(row[k] for k in key) for row in rows}
    have: list[tuple] = []
    offset = 0
    while True:
        page = portal.call("datastore_search", resource_id=resource_id, fields=key, limit=SEARCH_PAGE,
                           offset=offset, include_total=True)
        have += [tuple(rec[k] for k in key) for rec in page.get("records", [])]
        offset += SEARCH_PAGE
        if offset >= int(page.get("total") or 0) or not page.get("records"):
            break
    stale = [k for k in have if k not in wanted]
    for values in stale:
        filters = dict(zip(key, values, strict=True))
        portal.call("datastore_delete", resource_id=resource_id, force=True, filters=filters)
    return len(stale)
