"""Publish the package to a CKAN portal: read the portal's state, plan, then upsert.

Every action goes through ``client.Portal.call`` (timeouts, retries of reads, one clear
``DataError`` per failure, the API token scrubbed: see ``client``). ``make_plan`` is pure: from
the wanted dataset (``mapping``) and the portal's ``package_show`` (or None), it decides per
resource ``create | update | unchanged | delete | kept``, matching resources by ``uri``; a field
is sent only when it differs from what the portal has (lists and dicts compared as JSON, empty
values as absent: ``same``), and a file is uploaded only when its size or SHA-256 differs (or the
portal's copy is not an upload). ``publish`` runs the plan:

  license_list, scheming_dataset_schema_show, package_show    (3 reads, every run)
  organization_list_for_user                                  (only when something is to be written)
  package_create | package_patch                              (only when a dataset field differs)
  resource_delete                                             (ours no longer in the package; duplicates)
  resource_create | resource_patch                            (one call per new or changed file, and a
                                                               JSON resource_patch after it for a list
                                                               of two or more items: see below)
  package_resource_reorder                                    (only when the order differs)
  datastore_create | datastore_upsert (+ search, delete)      (--datastore: new or changed tables)

So an unchanged re-publish makes 3 calls and writes nothing (``metadata_modified`` stays); a
publish stopped midway is completed by the next run (what was written is found by its ``uri``
and compared like everything else). A changed table is loaded into the DataStore before its file
is uploaded, so that a run stopped between the two still sees the file as changed next time.

**Which portal.** ``scheming_dataset_schema_show`` (type ``dataset``) tells a portal that runs
ckanext-scheming (its answer: the schema's fields, ``scheming.Schema``) from one with CKAN's core
fields (CKAN answers "Action name not known": ``UnknownActionError``); ``mapping.for_schema``
makes the dataset for it. Nothing is configured by hand. A multipart upload carries strings
only: there, a list field (a scheming portal's ``language``, ``conforms_to``) of one item is sent
as that item, which ckanext-scheming's ``scheming_multiple_text`` takes as a one-item list, and a
longer one follows in a JSON ``resource_patch``.

**The token** is checked (``organization_list_for_user``: the organisation exists and its user
may create datasets in it) before anything is written, dry runs included, and not when nothing
is to be written: a re-publish of an unchanged package with a token that has since expired
reports "unchanged" (CKAN reads public datasets for anyone).

What is not ours is left alone:

- **A dataset of another organisation** (same name, other ``owner_org``, or none) is refused
  before anything is written, naming that organisation, unless ``take_over`` is given; then the
  plan moves it (``owner_org`` is among the changed fields, and the result's
  ``owner_org_change`` says from which organisation to which), and a token whose user may not
  edit datasets of that organisation is told so instead of being blamed. A ``package_show``
  refused as "not authorised" means that a dataset of that name exists that the token's user
  cannot see (a private one of another organisation): said so, nothing written.
- **A resource** is ours when ``DatasetSpec.owns`` its ``uri``: one of our distribution IRIs, or
  any IRI under the dataset's own (``<dataset IRI>/…``). Ours that the package no longer has, and
  second copies of one of our ``uri``, are deleted; every other resource (no ``uri``, or one not
  under ours: added by hand or by another tool) is ``kept``, reported as kept, and placed after
  ours (``package_resource_reorder`` puts the ids it is not given after the given ones, in their
  order).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import model, validation
from ..errors import DataError, Problem
from . import mapping, scheming
from .client import NotFoundError, Portal, RefusedError, UnknownActionError

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
    action: str  # create | update | unchanged | delete | kept
    upload: bool = False
    changed: list[str] = field(default_factory=list)
    id: str | None = None
    table: str | None = None
    datastore_active: bool = False


ACTIONS = ("create", "update", "unchanged", "delete", "kept")


@dataclass
class Plan:
    dataset: str  # create | update | unchanged
    dataset_changed: list[str]
    steps: list[Step]  # the package's resources in order, then the deletions, then the resources kept

    def counts(self) -> dict[str, int]:
        c = Counter(s.action for s in self.steps)
        return {a: c.get(a, 0) for a in ACTIONS} | {"uploads": sum(s.upload for s in self.steps)}

    def writes(self) -> bool:
        """Whether the plan writes anything (the resources' order apart, which is known later)."""
        return self.dataset != "unchanged" or any(s.action in ("create", "update", "delete") for s in self.steps)


def _text(value) -> str:
    return "" if value is None else str(value)


def _canonical(value) -> str:
    """A value as compared with the portal's: lists and dicts as JSON (keys sorted; entries of a
    dict that are None or "" left out, as CKAN leaves out empty subfields), anything else as text."""
    def pruned(v):
        if isinstance(v, dict):
            return {k: pruned(x) for k, x in v.items() if x not in (None, "")}
        if isinstance(v, list):
            return [pruned(x) for x in v]
        return v

    if isinstance(value, (list, dict)):
        return json.dumps(pruned(value), ensure_ascii=False, sort_keys=True)
    return _text(value)


def same(wanted, have) -> bool:
    """Whether a field's value on the portal (``have``) is the one we send (``wanted``)."""
    return _canonical(wanted) == _canonical(have)


def same_organisation(owner_org: str, current: dict) -> bool:
    """Whether the dataset ``current`` (package_show) is in ``owner_org`` (its name or id)."""
    org = current.get("organization") or {}
    return owner_org in (current.get("owner_org"), org.get("name"), org.get("id"))


def foreign_owner(current: dict | None, owner_org: str) -> dict | None:
    """The organisation (``{"id", "name"}``, both "" for a dataset in none) that owns ``current``
    when it is not ``owner_org``; None when there is no dataset or it is ours."""
    if current is None or same_organisation(owner_org, current):
        return None
    org = current.get("organization") or {}
    ident = _text(org.get("id") or current.get("owner_org"))
    return {"id": ident, "name": _text(org.get("name")) or ident}


#: Dataset keys compared apart (the rest of ``wanted`` is compared with ``same``).
APART = ("name", "owner_org", "tags", "extras", "state")


def dataset_changes(wanted: dict, current: dict) -> list[str]:
    """The dataset fields whose value on the portal differs from ``wanted``: the core fields
    (``PLAIN_FIELDS``), then a scheming schema's, then owner_org, tags, extras and state."""
    changed = [k for k in PLAIN_FIELDS if k in wanted and _text(wanted[k]) != _text(current.get(k))]
    changed += [k for k in sorted(wanted) if k not in PLAIN_FIELDS and k not in APART
                and not same(wanted[k], current.get(k))]
    if not same_organisation(wanted.get("owner_org", ""), current):
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
    return [k for k, v in fields.items() if not same(v, current.get(k))]


def make_plan(spec: mapping.DatasetSpec, wanted: dict, current: dict | None) -> Plan:
    """What to do, from the wanted dataset and the portal's ``package_show`` (None: no dataset)."""
    if current is None:
        steps = [Step(r.path, r.uri, "create", upload=True, changed=sorted(r.fields), table=r.table)
                 for r in spec.resources]
        return Plan("create", [], steps)
    by_uri: dict[str, dict] = {}
    duplicates: list[dict] = []
    kept: list[dict] = []
    for res in current.get("resources") or []:
        uri = res.get("uri")
        if not spec.owns(uri):
            kept.append(res)  # added by someone else: not ours to delete
        elif uri in by_uri:
            duplicates.append(res)  # a second copy of one of ours
        else:
            by_uri[uri] = res
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
    stale = [res for uri, res in by_uri.items() if uri not in wanted_uris] + duplicates
    steps += [Step(res.get("name") or "", res.get("uri") or "", "delete", id=res.get("id")) for res in stale]
    steps += [Step(res.get("name") or "", res.get("uri") or "", "kept", id=res.get("id")) for res in kept]
    changed = dataset_changes(wanted, current)
    return Plan("update" if changed else "unchanged", changed, steps)


# --- running it --------------------------------------------------------------------------------

TAKE_OVER = "--take-over-dataset"


def check_organisation(portal: Portal, org: str) -> list[dict]:
    """The organisation exists and the token's user may create datasets in it (one call); return
    the organisations the user may create (and so edit) datasets in (a sysadmin: all)."""
    mine = portal.call("organization_list_for_user", permission="create_dataset") or []
    if any(org in (o.get("name"), o.get("id")) for o in mine):
        return mine
    try:
        portal.call("organization_show", id=org, include_datasets=False)
    except NotFoundError:
        raise DataError([Problem(portal.url, None, f"organisation {org!r} does not exist on the portal",
                                 "create it in CKAN, or pass the name of an existing one with --owner-org")]) from None
    raise DataError([Problem(portal.url, None,
                             f"the API token's user may not create datasets in organisation {org!r} "
                             "(or the token is invalid or expired)",
                             "set CKAN_API_TOKEN to a valid token of an editor or admin of the organisation")])


def portal_schema(portal: Portal) -> scheming.Schema | None:
    """The portal's ckanext-scheming schema for datasets, or None: CKAN's core fields (a portal
    without ckanext-scheming, or one whose scheming has no schema for the type ``dataset``)."""
    try:
        return scheming.Schema.from_answer(portal.call("scheming_dataset_schema_show", type="dataset"))
    except (UnknownActionError, NotFoundError):
        return None


def current_dataset(portal: Portal, name: str, owner_org: str) -> dict | None:
    """The portal's dataset of that name (package_show), or None when there is none. A refusal
    is told apart: a token that may not create datasets in ``owner_org`` (or a bad one) is said
    so first (``check_organisation``), else the dataset is one the token's user may not see."""
    try:
        return portal.call("package_show", id=name)
    except NotFoundError:
        return None
    except RefusedError:
        check_organisation(portal, owner_org)
        raise DataError([Problem(portal.url, None,
                                 f"a dataset named {name!r} exists on the portal that the API token's user may "
                                 "not see (a private dataset of another organisation, or a deleted one)",
                                 "ask an admin of the organisation that owns it (or a sysadmin) to move, rename or "
                                 "purge it, or give the package another name (name in data/curated/metadata.json)")
                         ]) from None


def _owner_label(other: dict) -> str:
    return repr(other["name"]) if other["name"] else "no organisation"


def check_take_over(where: str, name: str, org: str, other: dict, mine: list[dict], take_over: bool) -> None:
    """Refuse to touch dataset ``name`` owned by ``other`` (not ``org``) unless ``take_over``, and
    refuse a take-over the token's user cannot make (not an editor of ``other``)."""
    theirs = _owner_label(other)
    belongs = f"dataset {name!r} on the portal belongs to {'organisation ' if other['name'] else ''}{theirs}"
    if not take_over:
        same = f"if it is this package's dataset, publish with --owner-org {other['name']}; " if other["name"] else ""
        raise DataError([Problem(where, None, f"{belongs}, not to {org!r}: nothing was written",
                                 f"{same}if it is another dataset of the same name, give the package another name "
                                 f"(name in data/curated/metadata.json); to move it into {org!r} (its metadata "
                                 f"replaced by ours; resources not ours are kept), pass {TAKE_OVER}")])
    if other["name"] and not any({o.get("id"), o.get("name")} & {other["id"], other["name"]} for o in mine):
        raise DataError([Problem(where, None, f"{belongs}, in which the API token's user may not edit datasets, "
                                 f"so it cannot be moved into {org!r}: nothing was written",
                                 f"ask an admin of {theirs} (or a sysadmin) to move or delete it, or give the "
                                 "package another name (name in data/curated/metadata.json)")])


def publish(package_dir: Path, portal: Portal, owner_org: str, license_id: str | None = None,
            dry_run: bool = False, datastore: bool = False,
            progress: Callable[[str], None] | None = None, take_over: bool = False) -> dict:
    """Publish (or, with ``dry_run``, plan) the package in ``package_dir``; return the result.
    ``take_over``: move a dataset of the same name from another organisation into ``owner_org``."""
    start = time.monotonic()
    say = progress or (lambda _msg: None)
    package_dir = Path(package_dir)
    pkg = validation.load(package_dir)
    spec = mapping.dataset_spec(pkg, package_dir)  # every local check before the first call
    say(f"read {package_dir}: {len(spec.resources)} files")
    licence = mapping.choose_license(portal.call("license_list"), mapping.licence_urls(pkg.metadata), license_id,
                                     portal.url)
    schema = portal_schema(portal)
    spec = mapping.for_schema(spec, pkg.metadata, schema)
    say(f"portal: {schema.describe() if schema else 'CKAN core fields'}")
    current = current_dataset(portal, spec.name, owner_org)
    other = foreign_owner(current, owner_org)
    wanted = {**spec.fields, "owner_org": owner_org, "license_id": licence}
    plan = make_plan(spec, wanted, current)
    if other is not None or plan.writes() or (datastore and any(
            step.table and _datastore_action(step) != "unchanged" for step in plan.steps)):
        mine = check_organisation(portal, owner_org)
        if other is not None:
            check_take_over(portal.url, spec.name, owner_org, other, mine, take_over)
    say(f"plan: dataset {plan.dataset}; " + ", ".join(f"{k} {v}" for k, v in plan.counts().items()))
    tables: dict[str, dict] = {}
    if not dry_run:
        try:
            package = _apply_dataset(portal, plan, wanted, current, say)
        except RefusedError:
            if other is None:
                raise
            raise DataError([Problem(portal.url, None, f"dataset {spec.name!r} belongs to {_owner_label(other)}, "
                                     "which the API token's user may not edit: nothing was written",
                                     "ask a sysadmin to move or delete it, or give the package another name "
                                     "(name in data/curated/metadata.json)")]) from None
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
        "portal_schema": schema.describe() if schema else "core",
        "owner_org": owner_org,
        "owner_org_change": {"from": other["name"] or None, "to": owner_org} if other is not None else None,
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
        if step.action in ("delete", "kept"):
            continue
        r = specs[step.uri]
        load = _datastore_action(step) if pkg is not None and step.table is not None else None
        if load == "upsert" and pkg is not None:
            _load_table(portal, step, pkg, load, tables, say)  # before the upload: see the docstring
            load = None
        if step.action == "create":
            say(f"create resource {r.path} ({r.fields['size']} bytes)")
            inline, lists = multipart(r.fields)
            step.id = portal.call("resource_create", upload=r.file, package_id=package_id, **inline)["id"]
            order.append(step.id)
            if lists:
                portal.call("resource_patch", id=step.id, **lists)
        elif step.action == "update" and step.upload:
            say(f"upload resource {r.path} ({r.fields['size']} bytes)")
            inline, lists = multipart(r.fields)
            portal.call("resource_patch", upload=r.file, id=step.id, **inline)
            if any(k in step.changed for k in lists):
                portal.call("resource_patch", id=step.id, **lists)
        elif step.action == "update":
            say(f"update resource {r.path}: {', '.join(step.changed)}")
            portal.call("resource_patch", id=step.id, **{k: r.fields[k] for k in step.changed})
        if load is not None and pkg is not None:
            _load_table(portal, step, pkg, load, tables, say)
        final.append(str(step.id))
    # ours in the package's order, then the kept ones in theirs (the reorder appends what it is not given)
    if order != final + [i for i in order if i not in final]:
        say("reorder resources")
        portal.call("package_resource_reorder", id=package_id, order=final)


def multipart(fields: dict) -> tuple[dict, dict]:
    """The fields a multipart upload can carry (strings and numbers; a list of one item as that
    item, which ckanext-scheming's ``scheming_multiple_text`` takes as a one-item list) and the
    lists it cannot (two or more items: sent after it, as JSON)."""
    inline, lists = {}, {}
    for key, value in fields.items():
        if not isinstance(value, list):
            inline[key] = value
        elif len(value) == 1 and isinstance(value[0], str):
            inline[key] = value[0]
        else:
            lists[key] = value
    return inline, lists


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
