"""An in-memory stand-in for a CKAN portal's action API (what ``kanmin.portal`` calls).

It answers like ckanapi's ``RemoteCKAN.call_action``: results as dicts, failures as exceptions
named like ckanapi's (``NotFound``, ``NotAuthorized``, ``ValidationError``). Multipart calls (with
``files``) receive every value as a string, as over HTTP; CKAN keeps ``size`` as an integer.
Every write bumps the dataset's ``metadata_modified``, so a test sees whether anything was written.
The token's user is a sysadmin unless ``member_of`` names the organisations it is an editor of
(CKAN: others' private datasets are "not authorised" to read, others' datasets to write).
``requests_kwargs`` of each call are kept in ``requests_kwargs``.

Without ``schema`` the portal has no ckanext-scheming: ``scheming_dataset_schema_show`` fails as
CKAN answers an unknown action (ckanapi's ``CKANAPIError`` with HTTP 400 "Action name not known").
With ``schema`` (a ``scheming_dataset_schema_show`` answer: ``dataset_fields``,
``resource_fields``, each field's ``validators``) it answers with it, refuses an extra named like
a schema field (as ckanext-scheming does), and stores a ``scheming_multiple_text`` resource field
sent as one string (a multipart upload) as a one-item list, as ckanext-scheming does.
"""

from __future__ import annotations

import copy
import hashlib
import itertools


class NotFound(Exception):
    pass


class NotAuthorized(Exception):
    pass


class ValidationError(Exception):
    def __init__(self, error_dict):
        super().__init__(error_dict)
        self.error_dict = error_dict


class CKANAPIError(Exception):
    """ckanapi's error for an answer that is not a CKAN action result: repr([url, status, body])."""


STOCK_LICENSES = [
    {"id": "notspecified", "title": "License not specified", "url": ""},
    {"id": "odc-by", "title": "Open Data Commons Attribution License",
     "url": "http://www.opendefinition.org/licenses/odc-by"},
    {"id": "cc-by", "title": "Creative Commons Attribution", "url": "http://www.opendefinition.org/licenses/cc-by"},
]

READS = {"license_list", "organization_list_for_user", "organization_show", "package_show", "datastore_search",
         "scheming_dataset_schema_show"}


class FakeCKAN:
    def __init__(self, licenses=None, orgs=("kanmin",), token_ok=True, member_of=None, schema=None):
        self.licenses = copy.deepcopy(licenses if licenses is not None else STOCK_LICENSES)
        self.schema = copy.deepcopy(schema)
        self.orgs = {name: {"id": f"org-{name}", "name": name} for name in orgs}
        self.token_ok = token_ok
        self.member_of = member_of  # None: a sysadmin
        self.requests_kwargs: list[dict | None] = []
        self.packages: dict[str, dict] = {}
        self.files: dict[str, bytes] = {}  # resource id -> uploaded bytes
        self.datastore: dict[str, dict] = {}  # resource id -> {"fields", "key", "rows"}
        self.log: list[str] = []
        self.fail_after: int | None = None  # raise after this many calls (a publish killed midway)
        self._ids = itertools.count(1)
        self._clock = itertools.count(1)

    # -- helpers
    def _tick(self, pkg):
        pkg["metadata_modified"] = f"2026-12-01T00:00:{next(self._clock):02d}"

    def _pkg(self, ref):
        for pkg in self.packages.values():
            if ref in (pkg["id"], pkg["name"]):
                return pkg
        raise NotFound("Dataset not found")

    def _res(self, rid):
        for pkg in self.packages.values():
            for res in pkg["resources"]:
                if res["id"] == rid:
                    return pkg, res
        raise NotFound("Resource not found")

    def _may(self, org_id) -> bool:
        """Whether the token's user may edit datasets of the organisation with this id."""
        return self.member_of is None or any(self.orgs[o]["id"] == org_id for o in self.member_of if o in self.orgs)

    def call_action(self, action, data_dict=None, files=None, requests_kwargs=None):
        data = dict(data_dict or {})
        if self.fail_after is not None and len(self.log) >= self.fail_after:
            raise KeyboardInterrupt(f"killed before {action}")
        self.log.append(action)
        self.requests_kwargs.append(requests_kwargs)
        if not self.token_ok and action not in READS:
            raise NotAuthorized({"message": "Access denied", "__type": "Authorization Error"})
        if files:  # multipart: every value arrives as a string
            data = {k: str(v) for k, v in data.items() if v is not None}
            upload = files["upload"]
            name, handle = upload if isinstance(upload, tuple) else (upload.name, upload)
            data["_upload"] = (name, handle.read())
        return getattr(self, action)(**data)

    def _multiple_text(self, res):
        """A scheming_multiple_text resource field given as one string is stored as a one-item list."""
        for f in (self.schema or {}).get("resource_fields", []):
            if "scheming_multiple_text" in f.get("validators", "") and isinstance(res.get(f["field_name"]), str):
                res[f["field_name"]] = [res[f["field_name"]]]

    def _check_extras(self, d):
        names = {f["field_name"] for f in (self.schema or {}).get("dataset_fields", [])}
        clash = [e["key"] for e in d.get("extras") or [] if e["key"] in names]
        if clash:
            raise ValidationError({"extras": [f"There is a schema field with the same name: {clash}"]})

    # -- actions
    def license_list(self):
        return copy.deepcopy(self.licenses)

    def scheming_dataset_schema_show(self, type):
        if self.schema is None:
            raise CKANAPIError(repr(["http://fake/api/action/scheming_dataset_schema_show", 400,
                                     '"Bad request: Action name not known: scheming_dataset_schema_show"']))
        return copy.deepcopy(self.schema)

    def organization_list_for_user(self, permission=None):
        if not self.token_ok:
            return []
        return [dict(o) for o in self.orgs.values() if self._may(o["id"])]

    def organization_show(self, id, include_datasets=False):
        for org in self.orgs.values():
            if id in (org["id"], org["name"]):
                return dict(org)
        raise NotFound("Organization not found")

    def package_show(self, id):
        pkg = self._pkg(id)
        if pkg.get("private") and not self._may(pkg.get("owner_org")):
            raise NotAuthorized({"message": f"User not authorized to read package {pkg['id']}",
                                 "__type": "Authorization Error"})
        return copy.deepcopy(pkg)

    def package_create(self, **d):
        if d["owner_org"] not in self.orgs:
            raise ValidationError({"owner_org": ["Organization does not exist"]})
        if any(p["name"] == d["name"] for p in self.packages.values()):
            raise ValidationError({"name": ["That URL is already in use."]})
        self._check_extras(d)
        pkg = {**copy.deepcopy(d), "id": f"pkg-{next(self._ids)}", "resources": [], "state": "active",
               "organization": dict(self.orgs[d["owner_org"]])}
        pkg["owner_org"] = pkg["organization"]["id"]
        self._tick(pkg)
        self.packages[pkg["id"]] = pkg
        return copy.deepcopy(pkg)

    def package_patch(self, id, **d):
        pkg = self._pkg(id)
        if not self._may(pkg.get("owner_org")):
            raise NotAuthorized({"message": "Access denied", "__type": "Authorization Error"})
        self._check_extras(d)
        if "owner_org" in d:
            pkg["organization"] = dict(self.orgs[d["owner_org"]])
            d["owner_org"] = pkg["organization"]["id"]
        pkg.update(copy.deepcopy(d))
        self._tick(pkg)
        return copy.deepcopy(pkg)

    def _store_upload(self, res, upload):
        name, content = upload
        self.files[res["id"]] = content
        res["url"] = f"http://fake/dataset/{res['package_id']}/resource/{res['id']}/download/{name}"
        res["url_type"] = "upload"

    def resource_create(self, package_id, _upload=None, **fields):
        pkg = self._pkg(package_id)
        res = {**fields, "id": f"res-{next(self._ids)}", "package_id": pkg["id"], "datastore_active": False}
        if "size" in res:
            res["size"] = int(res["size"])
        self._multiple_text(res)
        if _upload:
            self._store_upload(res, _upload)
        pkg["resources"].append(res)
        self._tick(pkg)
        return copy.deepcopy(res)

    def resource_patch(self, id, _upload=None, **fields):
        pkg, res = self._res(id)
        res.update(copy.deepcopy(fields))
        if "size" in res:
            res["size"] = int(res["size"])
        self._multiple_text(res)
        if _upload:
            self._store_upload(res, _upload)
        self._tick(pkg)
        return copy.deepcopy(res)

    def resource_delete(self, id):
        pkg, res = self._res(id)
        pkg["resources"].remove(res)
        self.datastore.pop(id, None)
        self._tick(pkg)

    def package_resource_reorder(self, id, order):
        pkg = self._pkg(id)
        by_id = {r["id"]: r for r in pkg["resources"]}
        pkg["resources"] = [by_id[i] for i in order] + [r for r in pkg["resources"] if r["id"] not in order]
        self._tick(pkg)
        return {"id": id, "order": order}

    def datastore_create(self, resource_id, force=False, fields=None, primary_key=None, records=None):
        assert force, "uploaded resources are read-only without force"
        _, res = self._res(resource_id)
        table = self.datastore.get(resource_id)
        if table is None:
            table = self.datastore[resource_id] = {"fields": fields, "key": primary_key, "rows": []}
        else:
            table["fields"] = fields
        for rec in records or []:
            k = tuple(rec[f] for f in primary_key)
            if any(tuple(r[f] for f in primary_key) == k for r in table["rows"]):
                raise ValidationError({"records": ["duplicate key value violates unique constraint"]})
            table["rows"].append(dict(rec))
        res["datastore_active"] = True
        return {"resource_id": resource_id}

    def datastore_upsert(self, resource_id, force=False, method="upsert", records=()):
        assert force
        table = self.datastore[resource_id]
        key = table["key"]
        for rec in records:
            k = tuple(rec[f] for f in key)
            for row in table["rows"]:
                if tuple(row[f] for f in key) == k:
                    row.update(rec)
                    break
            else:
                table["rows"].append(dict(rec))
        return {"resource_id": resource_id}

    def datastore_search(self, resource_id, fields=None, limit=100, offset=0, include_total=True, filters=None):
        table = self.datastore[resource_id]
        rows = [r for r in table["rows"] if all(r.get(k) == v for k, v in (filters or {}).items())]
        page = rows[offset:offset + limit]
        return {"records": [{f: r[f] for f in (fields or r)} for r in page], "total": len(rows)}

    def datastore_delete(self, resource_id, force=False, filters=None):
        assert force and filters
        table = self.datastore[resource_id]
        table["rows"] = [r for r in table["rows"] if not all(r.get(k) == v for k, v in filters.items())]
        return {"resource_id": resource_id}

    # -- for the tests
    def writes(self) -> list[str]:
        return [a for a in self.log if a not in READS]

    @staticmethod
    def sha256(content: bytes) -> str:
        return hashlib.sha256(content).hexdigest()
