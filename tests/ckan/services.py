"""Start and stop a real CKAN 2.12 portal for the publishing tests, on 127.0.0.1 only.

    python tests/ckan/services.py up   --dir DIR             # start everything, write DIR/services.json
    python tests/ckan/services.py up   --dir DIR --dcat-ap   # the DCAT-AP portal (see below)
    python tests/ckan/services.py down --dir DIR             # stop everything by PID, drop the cluster

or, from Python, ``up(DIR)`` / ``up(DIR, dcat_ap=True)`` (returns the services.json record) and
``down(DIR)``.

Two kinds of portal (``PLUGINS``):

* **core** (the default): CKAN's core dataset fields, the DataStore and ckanext-dcat
  (``datastore dcat``); stock licences.
* **DCAT-AP** (``dcat_ap=True``): ckanext-scheming with ckanext-dcat's DCAT-AP 3 schema
  ``ckanext.dcat.schemas:dcat_ap_full.yaml`` (its presets with scheming's), ckanext-harvest with
  ckanext-dcat's DCAT RDF harvester (``dcat scheming_datasets harvest dcat_rdf_harvester``), no
  DataStore. The harvest queues live on the portal's Redis (``ckan.redis.url``); the harvest
  tables are made by ``ckan db upgrade -p harvest``; the two queue consumers run as servers
  (``ckan harvester gather-consumer`` and ``fetch-consumer``). ``licenses``, when given, is the
  portal's licence register (``licenses_group_url``, written to DIR/licenses.json): CKAN's stock
  register has no CC BY 4.0, so a harvested dataset would get no ``license_id``; the command line
  gives the DCAT-AP portal the package's own licences (``package_licenses``).

``up`` starts, each on a free port that it first checks nothing answers on:

* a PostgreSQL 15 cluster of its own (as root: ``pg_createcluster 15 kanmin-<hex> --port P`` and
  ``pg_ctlcluster``, dropped by ``down``; as another user, e.g. on GitHub's runner: ``initdb`` into
  DIR/pgdata, with the newest installed PostgreSQL when 15 is not there) with the roles
  ckan_default (owner) and datastore_default (read-only), the databases ckan_default and
  datastore_default (UTF-8), and CKAN's DataStore permissions (``ckan datastore set-permissions``);
* a Redis (no persistence);
* the Solr test double (solr_double.py), unless ``KANMIN_SOLR_URL`` names a real Solr core, e.g.
  ``http://127.0.0.1:8983/solr/ckan`` (the GitHub workflow's service container);
* CKAN 2.12 from the CKAN venv (``.venv-ckan/``, made by ``make ckan-setup``; another venv with
  ``KANMIN_CKAN_VENV``): ``ckan generate config`` + ``ckan config-tool``, ``ckan db init`` (and
  ``db upgrade -p harvest`` for the DCAT-AP portal), a sysadmin and an API token (``ckan user
  token add``), served by waitress; then the organization ``kanmin-test-org`` through the API.

It records every server's own PID, the ports, the URL, the API token and the organization in
DIR/services.json (mode 0600; the token is never printed), updating the file after each start so
that ``down`` also cleans up after an ``up`` that failed half-way (``up`` does that itself before
raising). Logs: DIR/*.log and the cluster's own log (named in services.json and in every error).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CKAN_VENV = Path(os.environ.get("KANMIN_CKAN_VENV") or ROOT / ".venv-ckan")
PG_VERSION = "15"
ORGANIZATION = "kanmin-test-org"
SYSADMIN = "kanmin-admin"
STATE_FILE = "services.json"
START_TIMEOUT_S = float(os.environ.get("KANMIN_CKAN_START_TIMEOUT", "120"))
CLI_TIMEOUT_S = 300
SETUP_HINT = "run `make ckan-setup` (CKAN venv) and, as root, `apt-get install -y redis-server postgresql-15`"
TOKEN_RE = re.compile(r"eyJ[A-Za-z0-9._-]+")
# A marker of each server's command line: a PID is only signalled if /proc says it is still ours.
MARKERS = {"ckan": "waitress", "solr": "solr_double", "redis": "redis-server", "postgresql": "postgres",
           "gather": "gather-consumer", "fetch": "fetch-consumer"}
#: The plugins of each kind of portal (see the module docstring).
PLUGINS = {False: "datastore dcat", True: "dcat scheming_datasets harvest dcat_rdf_harvester"}
#: ckanext-scheming with ckanext-dcat's DCAT-AP 3 schema (the full one: see the README, "Publish to a portal").
SCHEMING = {"scheming.dataset_schemas": "ckanext.dcat.schemas:dcat_ap_full.yaml",
            "scheming.presets": "ckanext.scheming:presets.json ckanext.dcat.schemas:presets.yaml"}
#: The harvest queue consumers: each a server that pops its queue on the portal's Redis.
CONSUMERS = ("gather", "fetch")
#: redis-py 8 (CKAN 2.12 pins 8.0.1) gives every connection a 5 s socket timeout, and ckanext-harvest
#: 1.6.3's consumers wait on their queue with a BLPOP without one: each exits with redis' TimeoutError
#: after 5 s without a job. Their Redis URL (ckan.redis.url) sets a longer one (seconds).
HARVEST_SOCKET_TIMEOUT = 86400

WSGI_PY = '''\
"""CKAN as a WSGI application for waitress (written by tests/ckan/services.py)."""
import os
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

fileConfig(os.environ["CKAN_INI"], disable_existing_loggers=False)
application = make_app(CKANConfigLoader(os.environ["CKAN_INI"]).get_config())
'''


class ServiceError(RuntimeError):
    """A service could not be started, reached or stopped; the message names it and its log."""


# --- prerequisites ---
def pg_version() -> str:
    """KANMIN_PG_VERSION, else 15 when installed (Debian 12), else the newest installed (GitHub's Ubuntu: 16)."""
    if os.environ.get("KANMIN_PG_VERSION"):
        return os.environ["KANMIN_PG_VERSION"]
    found = sorted((p.parent.parent.name for p in Path("/usr/lib/postgresql").glob("*/bin/postgres")),
                   key=lambda v: int(v) if v.isdigit() else 0)
    return PG_VERSION if PG_VERSION in found or not found else found[-1]


def missing_prerequisites(ckan_venv: Path = CKAN_VENV) -> list[str]:
    """What is missing to start the portal, each with what to run; empty when all is there."""
    missing = []
    for tool in ("ckan", "waitress-serve"):
        if not (ckan_venv / "bin" / tool).exists():
            missing.append(f"{ckan_venv}/bin/{tool} is missing: run `make ckan-setup`")
    version = pg_version()
    bindir = Path(f"/usr/lib/postgresql/{version}/bin")
    needed = [("redis-server", "redis-server"), ("psql", f"postgresql-client-{version}")]
    # as root: Debian's cluster tools (the cluster runs as postgres); otherwise initdb in DIR
    needed.append(("pg_createcluster", "postgresql-common") if os.geteuid() == 0 else (str(bindir / "initdb"),
                                                                                          f"postgresql-{version}"))
    for tool, package in needed:
        if shutil.which(tool) is None:
            missing.append(f"{tool} is missing: apt-get install -y {package}")
    if not (bindir / "postgres").exists():
        missing.append(f"the PostgreSQL {version} server is missing: apt-get install -y postgresql-{version}")
    return missing


def package_licenses() -> list[dict]:
    """A licence register with the package's licences (id, title and the Creative Commons URL
    from the curated metadata), as a publisher who offers CC BY 4.0 registers it."""
    metadata = json.loads((ROOT / "data" / "curated" / "metadata.json").read_text(encoding="utf-8"))
    return [{"id": lic["name"], "title": lic["title"], "url": lic["path"], "od_conformance": "approved",
             "osd_conformance": "not reviewed", "status": "active"} for lic in metadata["licenses"]]


# --- small helpers ---
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def claim_port(what: str) -> int:
    """A free port on 127.0.0.1; refuses one on which something already answers."""
    port = free_port()
    if answers(port):
        raise ServiceError(f"{what}: port {port} already answers; refusing to start a second server on it")
    return port


def save(d: Path, state: dict) -> None:
    """services.json, mode 0600 from its creation (it holds the API token and passwords)."""
    tmp = d / (STATE_FILE + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2)
    os.replace(tmp, d / STATE_FILE)


def load(path: Path) -> dict:
    """The record of a running portal: DIR/services.json, or DIR itself."""
    path = Path(path)
    if path.is_dir():
        path = path / STATE_FILE
    return json.loads(path.read_text(encoding="utf-8"))


def tail(path: Path | str, lines: int = 25) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        return f"(no log: {e})"
    return "\n".join(text.splitlines()[-lines:])


def http_json(url: str, data: dict | None = None, token: str | None = None, timeout: float = 10) -> dict:
    body = None if data is None else json.dumps(data).encode("utf-8")
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", token)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode("utf-8"))


def as_postgres(cmd: list[str]) -> list[str]:
    return cmd if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *cmd]


def spawn(cmd: list[str], log: Path, **kw) -> subprocess.Popen:
    """A server as a direct child (so its PID is the server's own), in its own session."""
    with open(log, "ab") as out:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, **kw)


def run(cmd: list[str], what: str, log: Path, *, shown: list[str] | None = None, secret: bool = False,
        **kw) -> subprocess.CompletedProcess:
    """Run a set-up command; its output goes to `log` (not when `secret`), a failure raises."""
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, **kw)
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"$ {' '.join(shown or cmd)}\n")
        f.write("[output withheld: it holds a secret]\n" if secret and proc.returncode == 0
                else proc.stdout + proc.stderr)
        f.write(f"[exit {proc.returncode}]\n")
    if proc.returncode != 0:
        err = proc.stderr if not secret else TOKEN_RE.sub("eyJ…", proc.stderr)
        raise ServiceError(f"{what} failed (exit {proc.returncode}); log: {log}\n{err[-3000:]}")
    return proc


def wait_until(check, what: str, log: Path | str, procs: dict[str, subprocess.Popen], timeout: float) -> None:
    """Poll `check()` until true; fail early, with the log, if one of `procs` has exited."""
    deadline = time.monotonic() + timeout
    while True:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise ServiceError(f"{name} exited (code {proc.returncode}) while waiting for {what}; "
                                   f"log: {log}\n{tail(log)}")
        try:
            if check():
                return
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise ServiceError(f"{what} did not come up within {timeout:.0f} s; log: {log}\n{tail(log)}")
        time.sleep(0.2)


# --- up ---
def up(directory: Path | str, *, solr_url: str | None = None, ckan_venv: Path = CKAN_VENV,
       extra_config: dict[str, str] | None = None, timeout: float = START_TIMEOUT_S, dcat_ap: bool = False,
       licenses: list[dict] | None = None) -> dict:
    """Start the portal's services; return (and write to DIR/services.json) their record.
    ``dcat_ap``: the DCAT-AP portal (scheming, harvest); ``licenses``: its licence register."""
    d = Path(directory).resolve()
    d.mkdir(parents=True, exist_ok=True)
    d.chmod(0o700)
    if (d / STATE_FILE).exists():
        raise ServiceError(f"{d / STATE_FILE} exists: a portal may still run there; run `down --dir {d}` first")
    missing = missing_prerequisites(ckan_venv)
    if missing:
        raise ServiceError("cannot start the CKAN portal: " + "; ".join(missing))
    solr_url = solr_url if solr_url is not None else os.environ.get("KANMIN_SOLR_URL") or None
    state: dict = {"dir": str(d), "pids": {}, "ports": {}, "logs": {}, "organization": ORGANIZATION,
                   "sysadmin": SYSADMIN, "ckan_ini": str(d / "ckan.ini"), "started": time.time(),
                   "plugins": PLUGINS[dcat_ap], "dcat_ap": dcat_ap}
    save(d, state)
    extra = dict(extra_config or {})
    if dcat_ap:
        extra = {**SCHEMING, **extra}
    if licenses is not None:
        register = d / "licenses.json"
        register.write_text(json.dumps(licenses, ensure_ascii=False, indent=1), encoding="utf-8")
        extra.setdefault("licenses_group_url", register.as_uri())
    try:
        _up(d, state, solr_url, ckan_venv, extra, timeout)
    except BaseException:
        try:
            down(d)
        except ServiceError as e:  # the first error is the one to see; this one goes to stderr
            print(f"clean-up after the failed start: {e}", file=sys.stderr)
        raise
    return state


def _up(d: Path, state: dict, solr_url: str | None, venv: Path, extra: dict[str, str], timeout: float) -> None:
    procs: dict[str, subprocess.Popen] = {}
    cli_log = d / "ckan-cli.log"
    state["logs"]["cli"] = str(cli_log)

    # PostgreSQL: a cluster of its own
    pw_owner, pw_reader = secrets.token_hex(16), secrets.token_hex(16)
    pg_port = claim_port("PostgreSQL")
    state["ports"]["postgresql"] = pg_port
    psql = start_postgresql(d, state, pg_port, procs, timeout)
    run(psql, "creating the CKAN roles and databases", d / "postgresql-setup.log", input=(
        f"CREATE ROLE ckan_default LOGIN PASSWORD '{pw_owner}';\n"
        f"CREATE ROLE datastore_default LOGIN PASSWORD '{pw_reader}';\n"
        "CREATE DATABASE ckan_default OWNER ckan_default ENCODING 'UTF8' TEMPLATE template0;\n"
        "CREATE DATABASE datastore_default OWNER ckan_default ENCODING 'UTF8' TEMPLATE template0;\n"))
    db = f"127.0.0.1:{pg_port}"

    # Redis
    redis_port = claim_port("Redis")
    redis_log = d / "redis.log"
    procs["redis"] = spawn(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--daemonize", "no",
                            "--save", "", "--appendonly", "no", "--pidfile", str(d / "redis.pid"),
                            "--dir", str(d), "--logfile", str(redis_log)], d / "redis.out")
    state["pids"]["redis"], state["ports"]["redis"] = procs["redis"].pid, redis_port
    state["logs"]["redis"] = str(redis_log)
    save(d, state)

    # Solr: the test double, or the real one named by KANMIN_SOLR_URL
    if solr_url is None:
        solr_port = claim_port("the Solr test double")
        solr_log = d / "solr.log"
        procs["solr"] = spawn([sys.executable, str(HERE / "solr_double.py"), "--port", str(solr_port)], solr_log)
        state["pids"]["solr"], state["ports"]["solr"] = procs["solr"].pid, solr_port
        state["logs"]["solr"] = str(solr_log)
        solr_url = f"http://127.0.0.1:{solr_port}/solr/ckan"
        state["solr"] = "test double"
    else:
        solr_url, solr_log = solr_url.rstrip("/"), Path(f"(the Solr at {solr_url})")
        state["solr"] = "external"
    state["solr_url"] = solr_url
    save(d, state)

    # CKAN configuration
    ckan_port = claim_port("CKAN")
    url = f"http://127.0.0.1:{ckan_port}"
    state["ports"]["ckan"], state["url"] = ckan_port, url
    ini = d / "ckan.ini"
    ckan = [str(venv / "bin" / "ckan"), "-c", str(ini)]
    run([str(venv / "bin" / "ckan"), "generate", "config", str(ini)], "ckan generate config", cli_log)
    ini.chmod(0o600)
    storage = d / "storage"
    storage.mkdir(exist_ok=True)
    options = {
        "sqlalchemy.url": f"postgresql://ckan_default:{pw_owner}@{db}/ckan_default",
        "ckan.datastore.write_url": f"postgresql://ckan_default:{pw_owner}@{db}/datastore_default",
        "ckan.datastore.read_url": f"postgresql://datastore_default:{pw_reader}@{db}/datastore_default",
        "ckan.datastore.sqlsearch.enabled": "true",
        "ckan.site_url": url,
        "ckan.site_id": state["postgresql"]["cluster"],  # keeps runs apart in a shared (real) Solr core
        "ckan.storage_path": str(storage),
        "solr_url": solr_url,
        "ckan.redis.url": f"redis://127.0.0.1:{redis_port}/0",
        "ckan.plugins": state["plugins"],
        **extra,
    }
    state["plugins"] = options["ckan.plugins"]
    datastore, harvest = ("datastore" in options["ckan.plugins"].split()), ("harvest" in options["ckan.plugins"].split())
    if harvest and "ckan.redis.url" not in extra:
        options["ckan.redis.url"] += f"?socket_timeout={HARVEST_SOCKET_TIMEOUT}"
    if not datastore:
        for key in ("ckan.datastore.write_url", "ckan.datastore.read_url", "ckan.datastore.sqlsearch.enabled"):
            del options[key]
    run([str(venv / "bin" / "ckan"), "config-tool", str(ini), *(f"{k}={v}" for k, v in options.items())],
        "ckan config-tool", cli_log, shown=[str(venv / "bin" / "ckan"), "config-tool", str(ini), "(options)"])

    # the services CKAN needs must answer before `ckan db init` (it checks the Solr schema)
    wait_until(lambda: redis_ping(redis_port), f"Redis on 127.0.0.1:{redis_port}", redis_log, procs, timeout)
    wait_until(lambda: solr_schema_ok(solr_url), f"Solr at {solr_url}", solr_log, procs, timeout)

    run([*ckan, "db", "init"], "ckan db init", cli_log)
    if datastore:
        perms = run([*ckan, "datastore", "set-permissions"], "ckan datastore set-permissions", cli_log)
        run(psql, "applying the DataStore permissions", d / "postgresql-setup.log", input=perms.stdout)
    if harvest:
        run([*ckan, "db", "upgrade", "-p", "harvest"], "ckan db upgrade -p harvest", cli_log)

    # CKAN under waitress (started now: it imports CKAN while the CLI creates the sysadmin)
    (d / "wsgi.py").write_text(WSGI_PY, encoding="utf-8")
    ckan_log = d / "ckan.log"
    procs["ckan"] = spawn([str(venv / "bin" / "waitress-serve"), f"--listen=127.0.0.1:{ckan_port}", "--threads=8",
                           "wsgi:application"], ckan_log, cwd=d, env={**os.environ, "CKAN_INI": str(ini)})
    state["pids"]["ckan"] = procs["ckan"].pid
    state["logs"]["ckan"] = str(ckan_log)
    save(d, state)
    if harvest:  # the queue consumers import CKAN too: started now, beside the web server
        for name in CONSUMERS:
            log = d / f"harvest-{name}.log"
            procs[name] = spawn([*ckan, "harvester", f"{name}-consumer"], log)
            state["pids"][name], state["logs"][name] = procs[name].pid, str(log)
        save(d, state)

    password = secrets.token_urlsafe(18)
    run([*ckan, "user", "add", SYSADMIN, f"email={SYSADMIN}@example.invalid", f"password={password}"],
        "ckan user add", cli_log, shown=[*ckan, "user", "add", SYSADMIN, "email=…", "password=…"])
    run([*ckan, "sysadmin", "add", SYSADMIN], "ckan sysadmin add", cli_log)
    out = run([*ckan, "user", "token", "add", SYSADMIN, "kanmin-tests"], "ckan user token add", cli_log, secret=True)
    found = TOKEN_RE.findall(out.stdout)
    if not found:
        raise ServiceError(f"`ckan user token add` printed no token (a line matching {TOKEN_RE.pattern})")
    state["api_token"], state["sysadmin_password"] = found[-1], password
    save(d, state)

    status = f"{url}/api/3/action/status_show"
    wait_until(lambda: http_json(status, timeout=2)["success"], f"CKAN ({status})", ckan_log, procs, timeout)
    state["ckan_version"] = http_json(status)["result"]["ckan_version"]
    try:
        http_json(f"{url}/api/3/action/organization_create", {"name": ORGANIZATION, "title": "kanmin test org"},
                  token=state["api_token"])
    except urllib.error.HTTPError as e:
        raise ServiceError(f"organization_create {ORGANIZATION} failed: HTTP {e.code} "
                           f"{e.read()[:1000].decode('utf-8', 'replace')}; log: {ckan_log}") from None
    state["ready"] = time.time()
    save(d, state)


# A throw-away cluster: 127.0.0.1 only, no durability.
PG_CONF = "listen_addresses = '127.0.0.1'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"


def start_postgresql(d: Path, state: dict, port: int, procs: dict, timeout: float) -> list[str]:
    """Start PostgreSQL on `port`; record it; return the psql command line of its superuser.

    As root (CI here): ``pg_createcluster <v> kanmin-<hex> --port P`` then ``pg_ctlcluster ... start``
    (Debian's tools; the cluster lives in /var/lib/postgresql and runs as postgres).
    Otherwise (GitHub's runner user): ``initdb`` into DIR/pgdata and ``postgres -D`` as a direct child.
    """
    version, cluster = pg_version(), f"kanmin-{secrets.token_hex(4)}"
    setup_log = d / "postgresql-setup.log"
    what = f"the PostgreSQL {version} cluster {cluster} on 127.0.0.1:{port}"
    if os.geteuid() == 0:
        state["postgresql"] = {"version": version, "cluster": cluster, "mode": "pg_createcluster"}
        save(d, state)
        run(["pg_createcluster", version, cluster, "--port", str(port), "--start-conf=manual",
             "--locale=C.UTF-8", "--encoding=UTF8"], f"creating {what}", setup_log)
        # conf.d, not `pg_createcluster -o`: that writes 127.0.0.1 unquoted, which PostgreSQL rejects
        Path(f"/etc/postgresql/{version}/{cluster}/conf.d/kanmin-tests.conf").write_text(PG_CONF, encoding="utf-8")
        run(["pg_ctlcluster", version, cluster, "start"], f"starting {what}", setup_log)
        datadir, log = cluster_paths(version, cluster)
        state["postgresql"].update(datadir=datadir, log=log)
        state["logs"]["postgresql"] = log
        state["pids"]["postgresql"] = int(Path(datadir, "postmaster.pid").read_text().split()[0])
        save(d, state)
        return as_postgres(["psql", "-X", "-q", "-p", str(port), "-v", "ON_ERROR_STOP=1"])
    bindir, datadir, log = Path(f"/usr/lib/postgresql/{version}/bin"), d / "pgdata", d / "postgresql.log"
    state["postgresql"] = {"version": version, "cluster": cluster, "mode": "initdb", "datadir": str(datadir),
                           "log": str(log)}
    state["logs"]["postgresql"] = str(log)
    save(d, state)
    run([str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "--auth-local=trust",
         "--auth-host=scram-sha-256", "--locale=C.UTF-8", "--encoding=UTF8", "--no-sync"],
        f"initdb for {what}", setup_log)
    with open(datadir / "postgresql.conf", "a", encoding="utf-8") as f:
        f.write(f"\n# kanmin tests\n{PG_CONF}port = {port}\nunix_socket_directories = '{d}'\n")
    procs["postgresql"] = spawn([str(bindir / "postgres"), "-D", str(datadir)], log)
    state["pids"]["postgresql"] = procs["postgresql"].pid
    save(d, state)
    wait_until(lambda: answers(port), what, log, procs, timeout)
    psql = ["psql", "-X", "-q", "-h", str(d), "-p", str(port), "-U", "postgres", "-d", "postgres",
            "-v", "ON_ERROR_STOP=1"]
    wait_until(lambda: subprocess.run([*psql, "-c", "SELECT 1"], capture_output=True).returncode == 0,
               f"{what} accepting connections", log, procs, timeout)
    return psql


def cluster_paths(version: str, cluster: str) -> tuple[str, str]:
    """The data directory and log file of a Debian cluster, from pg_lsclusters."""
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        cols = line.split()
        if cols[:2] == [version, cluster]:
            return cols[5], cols[6] if len(cols) > 6 else ""
    raise ServiceError(f"pg_lsclusters does not list {version}/{cluster}:\n{out}")


def redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(64).startswith(b"+PONG")


def solr_schema_ok(solr_url: str) -> bool:
    with urllib.request.urlopen(f"{solr_url}/schema?wt=schema.xml", timeout=2) as resp:
        head = resp.read(4096).decode("utf-8", "replace")
    if 'name="ckan-' not in head:
        raise ServiceError(f"{solr_url} answers, but not with a CKAN schema (<schema name=\"ckan-2.x\">)")
    return True


# --- down ---
def alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child, now reaped
            return False
    except ChildProcessError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def is_ours(pid: int, marker: str) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return False


def stop(name: str, pid: int, sig: int = signal.SIGTERM, grace: float = 15.0) -> str | None:
    """Stop one server by its PID; an error message, or None."""
    if not alive(pid):
        return None
    if not is_ours(pid, MARKERS[name]):
        return f"{name}: PID {pid} is no longer {MARKERS[name]!r}; not signalled"
    os.kill(pid, sig)
    deadline = time.monotonic() + grace
    while alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
            return None if not alive(pid) else f"{name}: PID {pid} survived SIGKILL"
        time.sleep(0.05)
    return None


def down(directory: Path | str) -> None:
    """Stop every server recorded in DIR/services.json by its PID, drop the cluster, remove the record."""
    d = Path(directory).resolve()
    if not (d / STATE_FILE).exists():
        raise ServiceError(f"{d / STATE_FILE} does not exist: nothing recorded to stop")
    state = load(d)
    errors = []
    for name in (*CONSUMERS, "ckan", "solr", "redis"):
        pid = state["pids"].get(name)
        if pid:
            errors.append(stop(name, pid))
    pg = state.get("postgresql")
    if pg:
        pid = state["pids"].get("postgresql")
        if pid:  # SIGINT: PostgreSQL's fast shutdown
            errors.append(stop("postgresql", pid, signal.SIGINT, grace=30.0))
        if pg.get("mode") == "initdb":
            shutil.rmtree(pg["datadir"], ignore_errors=True)
        else:
            listed = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout
            if any(line.split()[:2] == [pg["version"], pg["cluster"]] for line in listed.splitlines()):
                proc = subprocess.run(["pg_dropcluster", pg["version"], pg["cluster"], "--stop"],
                                      capture_output=True, text=True, timeout=120)
                if proc.returncode != 0:
                    errors.append(f"pg_dropcluster {pg['version']} {pg['cluster']} --stop: {proc.stderr.strip()}")
    errors = [e for e in errors if e]
    if errors:
        raise ServiceError("; ".join(errors) + f" (record kept: {d / STATE_FILE})")
    (d / STATE_FILE).unlink()


# --- command line ---
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["up", "down"])
    ap.add_argument("--dir", required=True, type=Path, help="where the config, logs and services.json go")
    ap.add_argument("--dcat-ap", action="store_true",
                    help="the DCAT-AP portal: ckanext-scheming's DCAT-AP schema and ckanext-harvest (no DataStore)")
    args = ap.parse_args(argv)
    try:
        if args.action == "up":
            t0 = time.monotonic()
            state = up(args.dir, dcat_ap=args.dcat_ap, licenses=package_licenses() if args.dcat_ap else None)
            print(f"CKAN {state['ckan_version']} at {state['url']} (organization {state['organization']}, "
                  f"Solr: {state['solr']}) up in {time.monotonic() - t0:.1f} s; "
                  f"token, ports and PIDs in {args.dir / STATE_FILE}")
        else:
            down(args.dir)
            print(f"stopped everything recorded in {args.dir / STATE_FILE} and dropped the cluster")
    except ServiceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
