"""Harvest by pull: the DCAT-AP portal (``ckan_dcat_portal``: ckanext-harvest 1.6.3 and
ckanext-dcat's DCAT RDF harvester, ``dcat_rdf``) harvests our catalog.ttl, served by http.server on
127.0.0.1, into a portal without datasets, as a publisher's portal would on its schedule.

How a harvest runs here: ``harvest_job_create`` puts the job on the gather queue (the portal's
Redis); the gather consumer (``ckan harvester gather-consumer``, a server started by services.py)
reads the catalog and queues one object per dataset for the fetch consumer, which imports it;
the test calls ``harvest_jobs_run`` (what ``ckan harvester run`` does) until the job is Finished.
ckanext-harvest's synchronous ``ckan harvester run-test`` needs its test dependencies
(factory-boy, and pytest through ckan.tests), which the package does not install.

One scenario, three runs: the first makes exactly one dataset with our distributions and licence;
the second changes nothing (``metadata_modified`` and every resource as they were); after a data
change (a CSV edited, the package's RDF rebuilt, so its catalog names new checksums) the third
updates the resources whose checksum changed, and only those. Figures are printed (-s).
"""

from __future__ import annotations

import functools
import http.server
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from kanmin.rdf.build import build_rdf
from kanmin.settings import RDF_DIR, REPO
from support import copy_published_package, describe_files_again, metadata, published

DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCT = Namespace("http://purl.org/dc/terms/")
#: The README's command that registers the harvest source (the catalog's URL) on a portal.
README_COMMAND = re.compile(r"^ *ckanapi action harvest_source_create .*?(?<!\\)\n", re.M | re.S)
#: Longest wait for one harvest job (it takes about a second).
JOB_TIMEOUT_S = 60


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output to the figures
        pass


@pytest.fixture()
def served(tmp_path) -> Iterator[tuple[str, Path]]:
    """(URL of catalog.ttl, the folder it is served from): http.server on 127.0.0.1."""
    folder = tmp_path / "served"
    folder.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/catalog.ttl", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _datasets(admin) -> list[dict]:
    """Every dataset of the portal (package_list also lists harvest sources: type harvest)."""
    shown = [admin.action.package_show(id=name) for name in admin.action.package_list()]
    return [p for p in shown if p["type"] == "dataset"]


def _purge_datasets(admin) -> None:
    for dataset in _datasets(admin):
        admin.action.dataset_purge(id=dataset["id"])


def readme_source() -> dict[str, str]:
    """The fields of the README's ``ckanapi action harvest_source_create`` command, as printed."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    (command,) = README_COMMAND.findall(text)
    words = shlex.split(command.replace("\\\n", " "))
    return dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))


def _remove_source(admin) -> None:
    from ckanapi import NotFound

    try:
        source = admin.action.harvest_source_show(id=readme_source()["name"])
    except NotFound:
        return
    admin.action.harvest_source_clear(id=source["id"])
    admin.action.dataset_purge(id=source["id"])


@pytest.fixture()
def empty(ckan_dcat_portal):
    """The DCAT-AP portal without any dataset or our harvest source, also after the test."""
    admin = ckan_dcat_portal.client()
    _remove_source(admin)
    _purge_datasets(admin)
    yield admin
    _remove_source(admin)
    _purge_datasets(admin)
    admin.close()


def harvest(admin, source_id: str, portal) -> tuple[dict, float]:
    """One harvest job through the queues, awaited; (the finished job, seconds)."""
    start = time.monotonic()
    job = admin.action.harvest_job_create(source_id=source_id, run=True)
    while True:
        admin.action.harvest_jobs_run(source_id=source_id)  # marks a job whose objects are all done Finished
        shown = admin.action.harvest_job_show(id=job["id"])
        if shown["status"] == "Finished":
            return shown, time.monotonic() - start
        if time.monotonic() - start > JOB_TIMEOUT_S:
            logs = {name: portal.log(name) for name in ("gather", "fetch")}
            tails = "\n".join(f"{n}: {p.read_text(encoding='utf-8', errors='replace')[-2000:]}" for n, p in logs.items())
            pytest.fail(f"harvest job {job['id']} not Finished after {JOB_TIMEOUT_S} s "
                        f"(status {shown['status']}); consumer logs:\n{tails}")
        time.sleep(0.2)


def _only_dataset(admin) -> dict:
    datasets = _datasets(admin)
    assert len(datasets) == 1, [d["name"] for d in datasets]
    return datasets[0]


def _content(dataset: dict) -> dict:
    """The dataset as shown, its extras as a dict (their order varies from one harvest to the next)
    without ``harvest_object_id``: ckanext-harvest's pointer to the latest harvest object, which
    every job makes anew (bookkeeping of the harvest, not the dataset's)."""
    extras = {e["key"]: e["value"] for e in dataset["extras"] if e["key"] != "harvest_object_id"}
    return {**dataset, "extras": extras}


def _checksums(catalog: Path) -> dict[str, str]:
    """Distribution IRI -> its SHA-256 in the catalog."""
    g = Graph().parse(catalog, format="turtle")
    return {str(d): str(g.value(g.value(d, SPDX.checksum), SPDX.checksumValue))
            for d in g.subjects(RDF.type, DCAT.Distribution)}


def _downloads(catalog: Path) -> dict[str, str]:
    g = Graph().parse(catalog, format="turtle")
    return {str(d): str(g.value(d, DCAT.downloadURL)) for d in g.subjects(RDF.type, DCAT.Distribution)}


def _report(run: str, job: dict, seconds: float, dataset: dict, changed: int) -> None:
    print(f"\n[harvest] {run}: job {job['stats']}, 1 dataset, {len(dataset['resources'])} resources, "
          f"{seconds:.2f} s, {changed} resources changed")


def test_harvest_our_catalog_by_pull(ckan_dcat_portal, empty, served, tmp_path):
    url, folder = served
    package = copy_published_package(tmp_path / "pkg")
    catalog = package / RDF_DIR / "catalog.ttl"
    shutil.copy2(catalog, folder / "catalog.ttl")
    # registered as the README tells a publisher, with the address of our test server and organisation
    fields = readme_source()
    assert fields["url"] == "https://w3id.org/kanmin-data/files/build/rdf/catalog.ttl"
    fields.update(url=url, owner_org=ckan_dcat_portal.organization)
    ckanapi = Path(sys.executable).parent / "ckanapi"
    made = subprocess.run([str(ckanapi), "action", "harvest_source_create", "-r", ckan_dcat_portal.url,
                           "-a", ckan_dcat_portal.api_token, *(f"{k}={v}" for k, v in fields.items())],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr[-2000:]
    source = empty.action.harvest_source_show(id=fields["name"])
    assert (source["source_type"], source["url"]) == ("dcat_rdf", url)

    # 1. into the empty portal: one dataset, our distributions, our licence
    job, seconds = harvest(empty, source["id"], ckan_dcat_portal)
    assert job["stats"]["added"] == 1 and job["stats"]["errored"] == 0 and not job["gather_error_summary"]
    dataset = _only_dataset(empty)
    checksums, downloads = _checksums(catalog), _downloads(catalog)
    described = [d for d in published(package) if d.described]
    assert len(checksums) == len(described)
    resources = dataset["resources"]
    assert {r["uri"]: r["hash"] for r in resources} == checksums and len(resources) == len(described)
    assert {r["uri"]: r["url"] for r in resources} == downloads
    licence = metadata()["licenses"][0]
    # the register lists CC BY 4.0 by its Creative Commons URL, the catalog by the EU licence table's
    # IRI: ckanext-dcat finds it by the licence document's dct:title
    assert dataset["license_id"] == licence["name"]
    # ckanext-dcat's parser keeps a licence's title, which catalog.ttl gives it, rather than its IRI
    assert {r["license"] for r in resources} == {licence["title"]}
    assert dataset["uri"] == metadata()["id"]
    _report("first run (empty portal)", job, seconds, dataset, len(resources))

    # 2. the same catalog again: nothing changes
    job, seconds = harvest(empty, source["id"], ckan_dcat_portal)
    again = _only_dataset(empty)
    assert job["stats"]["errored"] == 0 and job["stats"]["added"] == 0
    assert again["metadata_modified"] == dataset["metadata_modified"]
    assert [(r["id"], r["metadata_modified"]) for r in again["resources"]] == [
        (r["id"], r["metadata_modified"]) for r in resources]
    assert _content(again) == _content(dataset)  # every field of the dataset and of its resources
    _report("second run (same catalog)", job, seconds, again, 0)

    # 3. a data change: a CSV edited, its descriptor and the RDF rebuilt (new checksums in the catalog)
    path = package / "data" / "pillars.csv"
    path.write_bytes(path.read_bytes().replace("格差の是正".encode(), "格差の解消".encode(), 1))
    describe_files_again(package)
    build_rdf(package, package / RDF_DIR)
    new = _checksums(catalog)
    changed = {d for d in new if new[d] != checksums[d]}
    assert any(d.endswith("data-pillars.csv") for d in changed) and len(changed) < len(new)
    shutil.copy2(catalog, folder / "catalog.ttl")
    job, seconds = harvest(empty, source["id"], ckan_dcat_portal)
    after = _only_dataset(empty)
    assert job["stats"]["errored"] == 0 and job["stats"]["added"] == 0
    before = {r["uri"]: r for r in resources}
    assert [r["id"] for r in after["resources"]] == [r["id"] for r in resources]  # the same resources
    assert {r["uri"]: r["hash"] for r in after["resources"]} == new
    updated = {r["uri"] for r in after["resources"] if r["metadata_modified"] != before[r["uri"]]["metadata_modified"]}
    assert updated == changed
    assert [r for r in after["resources"] if r["uri"] not in changed] == [
        r for r in resources if r["uri"] not in changed]  # the others exactly as they were
    _report("third run (one CSV changed)", job, seconds, after, len(updated))
    print("  changed: " + ", ".join(sorted(u.rsplit("/", 1)[-1] for u in updated)))
