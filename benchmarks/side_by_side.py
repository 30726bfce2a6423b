"""The measuring side of ``benchmarks/build.py``: each stage in a fresh process, its memory
sampled from outside; checkouts run side by side; the comparison of two sets of runs.

Kept apart from build.py so that the stage processes (``build.py --child``) load no more of the
benchmark than the old script did: a bigger module to import is a bigger peak in every stage.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The stages in the order they run, each with the stages whose output it reads (rdf: the catalog
#: describes the package's files by size and checksum; floor: copies every file the others wrote).
NEEDS = {"package": (), "workbook": (), "analysts": (), "rdf": ("package", "workbook"), "validate": ("rdf",),
         "floor": ("package", "workbook", "rdf")}
STAGES = tuple(NEEDS)
#: Side by side, a figure is "within" when new / baseline ≤ this (5% slower or bigger at most).
WITHIN = 1.05


def _rss_kb(pid: int) -> int:
    """The proportional set size of a process (Pss: its private pages plus its share of pages it
    shares): summed over a process tree it counts a page that a forked child shares with its parent
    once, as the machine holds it, where resident sets would count it once per process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> set[int]:
    """A process and all its descendants now (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [c for c, parent in parents.items() if parent == pid and c not in tree]
        tree.update(children)
        frontier += children
    return tree


# Run in a stage's process: a checkout's own benchmark module, imported (so its bytecode is
# cached like the package's, not compiled anew from source each run as a script is), then
# ``main(["--child", stage, source, curated, out])``, which prints the stage's figures as one JSON
# object: the protocol of every version of build.py.
_CHILD = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("kanmin_bench_build", sys.argv[1])
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
bench.main(["--child", *sys.argv[2:]])
"""

# Run once per checkout and scale: its own synthetic source and curated folder (at 1×, its real
# ones), made by its own code, printed as a JSON list of the two paths.
_INPUTS = """
import importlib.util, json, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("kanmin_bench_build", sys.argv[1])
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
scale = int(sys.argv[2])
if scale == 1:
    from kanmin.settings import CURATED_DIR as cdir, RAW_SOURCE as source
else:
    source, cdir = bench.synthesize(scale, Path(sys.argv[3]))
print(json.dumps([str(source), str(cdir)]))
"""


def run_stage(stage: str, source: Path, cdir: Path, out: Path, script: Path, env: dict[str, str]) -> dict:
    """Run one stage in a fresh process (``script``'s child, this checkout's or another's) and add
    to the figures it prints: its peak memory with all its workers, sampled from outside every
    50 ms (the sum of the process tree's proportional set sizes; its own peak is ru_maxrss), and
    ``cpu_s``, the CPU seconds of the process and the workers it waited for, start-up included
    (from wait4: less moved by other work on the machine than the wall time, but blind to what
    running on two cores at once saves)."""
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(script), stage, str(source), str(cdir), str(out)],
                                stdout=out_file, stderr=err_file, text=True, env=env)
        peak, tree, sample = 0.0, {proc.pid}, 0
        while True:  # cheap samples; the process tree is looked up every 0.5 s
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            if sample % 10 == 0:
                tree = _descendants(proc.pid)
            peak = max(peak, sum(_rss_kb(pid) for pid in tree) / 1024)
            sample += 1
            time.sleep(0.05)
        out_file.seek(0)
        err_file.seek(0)
        if proc.returncode:
            raise SystemExit(f"{stage} ({script}) failed:\n{err_file.read()}")
        figures = json.loads(out_file.read().strip().splitlines()[-1])
    figures["peak_mb"] = max(peak, figures["own_peak_mb"])
    figures["cpu_s"] = usage.ru_utime + usage.ru_stime
    return figures


class Checkout:
    """A checkout whose benchmark and code are run: its own ``benchmarks/build.py --child``, with
    ``PYTHONPATH=<root>/scripts`` so that its own kanmin (and so its own data/curated and source)
    is imported, by this interpreter and its installed libraries."""

    def __init__(self, label: str, root: Path):
        self.label, self.root = label, Path(root).resolve()
        self.script = self.root / "benchmarks" / "build.py"
        if not (self.script.is_file() and (self.root / "scripts" / "kanmin").is_dir()):
            raise SystemExit(f"{self.root}: not a kanmin checkout (no benchmarks/build.py and scripts/kanmin)")
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, [str(self.root / "scripts"), os.environ.get("PYTHONPATH")]))}

    def cache_bytecode(self, folder: Path) -> None:
        """Compiled modules are cached in ``folder`` (``PYTHONPYCACHEPREFIX``), even where the
        environment says not to write them: each run then imports as an installed program does,
        rather than compiling every source anew, and nothing is written into the checkout."""
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["PYTHONPYCACHEPREFIX"] = str(folder)

    def commit(self) -> str:
        done = subprocess.run(["git", "-C", str(self.root), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=False)
        dirty = subprocess.run(["git", "-C", str(self.root), "status", "--porcelain", "--", "scripts", "benchmarks"],
                               capture_output=True, text=True, check=False).stdout.strip()
        return (done.stdout.strip() or "?") + ("+changes" if dirty else "")

    def inputs(self, scale: int, work: Path) -> tuple[Path, Path]:
        work.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([sys.executable, "-c", _INPUTS, str(self.script), str(scale), str(work)],
                              env=self.env, capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"{self.label}: synthesizing the {scale}x source failed:\n{done.stderr}")
        source, cdir = json.loads(done.stdout.strip().splitlines()[-1])
        return Path(source), Path(cdir)

    def run(self, stage: str, source: Path, cdir: Path, out: Path) -> dict:
        return run_stage(stage, source, cdir, out, self.script, self.env)

    def command_seconds(self) -> float:
        """Wall time of one whole `kanmin build` on the real source, into a fresh folder."""
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "kanmin", "build", "--out", out], check=True,
                           capture_output=True, env=self.env)
            return time.perf_counter() - t0


#: checkout label -> {"build_s": [seconds, ...], "stages": {scale: {stage: [figures of each run]}}}
Runs = dict[str, dict]


def measure(checkouts: list[Checkout], scales: list[int], stages: list[str], pairs: int, repeat: int,
            work: Path, show=None) -> Runs:
    """Every stage at every scale, ``pairs`` runs for each checkout, the checkouts alternated run by
    run so that a drift of the machine falls on both, and which goes first alternated pair by pair
    (new, baseline, baseline, new, ...) so that neither always runs right after the other; the
    stages a stage needs run once first. ``show(label, scale, stage, figures)`` is told of each run."""
    runs: Runs = {c.label: {"build_s": [], "stages": {}} for c in checkouts}
    for c in checkouts:
        c.cache_bytecode(work / "pycache" / c.label)
        c.command_seconds()  # compiles and caches both checkouts' modules and the libraries'
    for i in range(repeat):
        for c in checkouts[::-1] if i % 2 else checkouts:
            runs[c.label]["build_s"].append(c.command_seconds())
    needed, todo = set(stages), list(stages)
    while todo:
        for need in NEEDS[todo.pop()]:
            if need not in needed:
                needed.add(need)
                todo.append(need)
    order = [s for s in STAGES if s in needed]
    for scale in scales:
        inputs = {c.label: c.inputs(scale, work / c.label) for c in checkouts}
        outs = {c.label: Path(tempfile.mkdtemp(dir=work, prefix=f"{c.label}-x{scale}-")) for c in checkouts}
        for stage in order:
            for i in range(pairs if stage in stages else 1):
                for c in checkouts[::-1] if i % 2 else checkouts:
                    fig = c.run(stage, *inputs[c.label], outs[c.label])
                    if stage in stages:
                        runs[c.label]["stages"].setdefault(str(scale), {}).setdefault(stage, []).append(fig)
                        if show:
                            show(c.label, scale, stage, fig)
        for out in outs.values():
            shutil.rmtree(out)
    return runs


def median_figures(figs: list[dict]) -> dict:
    """One run's figures from several: the median of each number, the first run's other values."""
    out = dict(figs[0])
    for key, value in figs[0].items():
        if isinstance(value, float):
            out[key] = statistics.median(f[key] for f in figs)
        elif isinstance(value, int) and not isinstance(value, bool):
            out[key] = statistics.median_low(f[key] for f in figs)
    return out


def compare(new: dict, base: dict, paired: bool) -> list[dict]:
    """Rows of the side-by-side table: per scale and stage (and the whole command, scale None), the
    medians of both, the ratio new/baseline and whether it is within ``WITHIN``. ``paired``: the
    runs were alternated, so the ratio is the median of the pairs' ratios (drift cancels within a
    pair); else (a saved run) the ratio of the medians. ``spread`` is the range of the pairs' ratios."""
    def row(scale, stage, key, a: list[float], b: list[float]) -> dict:
        if paired and len(a) == len(b):
            ratios = [x / y for x, y in zip(a, b, strict=True) if y]
        else:
            ratios = [statistics.median(a) / statistics.median(b)] if statistics.median(b) else []
        ratio = statistics.median(ratios) if ratios else float("nan")
        return {"scale": scale, "stage": stage, "figure": key, "new": statistics.median(a),
                "baseline": statistics.median(b), "ratio": ratio, "within": ratio <= WITHIN,
                "spread": (min(ratios), max(ratios)) if paired and ratios else None, "runs": (len(a), len(b))}

    rows = []
    if new.get("build_s") and base.get("build_s"):
        rows.append(row(None, "kanmin build", "wall_s", new["build_s"], base["build_s"]))
    for scale, stages in new["stages"].items():
        for stage, figs in stages.items():
            other = base["stages"].get(scale, {}).get(stage)
            if not other:
                continue
            for key in ("wall_s", "cpu_s", "peak_mb"):
                if all(key in f for f in figs + other):
                    rows.append(row(int(scale), stage, key, [f[key] for f in figs], [f[key] for f in other]))
    return rows


def print_comparison(rows: list[dict], new_name: str, base_name: str) -> bool:
    """The side-by-side table; True if the wall time and peak memory of every stage but the floor
    (the same code in both: the noise) are within ``WITHIN``. CPU seconds are printed to judge the
    noise by (in brackets), not counted."""
    print(f"{'scale':>5} {'stage':>12} {'figure':>7} {new_name:>9} {base_name:>9} {'ratio':>6}  "
          f"{'pairs min-max':>13}  within {WITHIN - 1:.0%}")
    for r in rows:
        unit = {"wall_s": "s", "cpu_s": "cpu s"}.get(r["figure"], "MB")
        spread = f"{r['spread'][0]:.2f}-{r['spread'][1]:.2f}" if r["spread"] else ""
        fmt = "{:>9.1f}" if unit == "MB" else "{:>9.2f}"
        verdict = "ref" if r["stage"] == "floor" else "yes" if r["within"] else "NO"
        print(f"{'' if r['scale'] is None else r['scale']:>5} {r['stage']:>12} {unit:>7} "
              f"{fmt.format(r['new'])} {fmt.format(r['baseline'])} {r['ratio']:>6.3f}  {spread:>13}  "
              f"{f'({verdict})' if r['figure'] == 'cpu_s' else verdict}")
    return all(r["within"] for r in rows if r["stage"] != "floor" and r["figure"] != "cpu_s")


#: stage -> (seconds, MB) at 100×, from the issue "RDF at native speed"; `kanmin build` ≤ 0.9 s.
TARGETS = {"package": (4, 250), "rdf": (8, 400), "validate": (30, 1500)}
BUILD_TARGET_S = 0.9


def _figure(key: str, value: object) -> str:
    if isinstance(value, bool):
        return f"{key} {value}"
    if isinstance(value, float):
        return f"{key[:-3]} {value:.1f} MB" if key.endswith("_mb") else f"{key} {value:.2f} s"
    return f"{key} {value:,}"


def print_plain(runs: dict, scales: list[int], stages: list[str]) -> None:
    """The figures of one checkout: the whole command, then a line per scale and stage (the
    median of its runs), with the growth from the first scale and the targets at 100×."""
    times = runs["build_s"]
    if times:
        median = statistics.median(times)
        print(f"`kanmin build` on the real source, wall: median {median:.2f} s "
              f"(min {min(times):.2f}, max {max(times):.2f}, {len(times)} runs); target ≤ {BUILD_TARGET_S} s: "
              f"{'met' if median <= BUILD_TARGET_S else 'MISSED'}")
    print(f"{'scale':>5} {'stage':>9} {'rows':>6} {'wall s':>7} {'peak MB':>8}  detail")
    first: dict[str, float] = {}
    for scale in scales:
        rows = 0
        for stage in [s for s in STAGES if s in stages]:
            figs = runs["stages"].get(str(scale), {}).get(stage)
            if not figs:
                continue
            fig = median_figures(figs)
            rows = fig.get("rows", rows)
            detail = ", ".join(_figure(k, v) for k, v in fig.items() if k not in ("wall_s", "peak_mb", "rows"))
            if len(figs) > 1:
                detail += f"; median of {len(figs)} runs (wall {min(f['wall_s'] for f in figs):.2f}–" \
                          f"{max(f['wall_s'] for f in figs):.2f} s)"
            growth = ""
            if stage in first:
                growth = f"; {fig['wall_s'] / first[stage]:.1f}x the x{scales[0]} time"
            else:
                first[stage] = fig["wall_s"]
            target = TARGETS.get(stage) if scale == 100 else None
            verdict = ""
            if target:
                ok = fig["wall_s"] <= target[0] and fig["peak_mb"] <= target[1]
                verdict = f"; target ≤ {target[0]:g} s, ≤ {target[1]:g} MB: {'met' if ok else 'MISSED'}"
            print(f"{scale:>5} {stage:>9} {rows:>6} {fig['wall_s']:>7.2f} {fig['peak_mb']:>8.1f}  "
                  f"{detail}{growth}{verdict}")


def main(argv: list[str], doc: str | None = None) -> int:
    """``benchmarks/build.py`` but its stage processes: measure, print, compare, save."""
    ap = argparse.ArgumentParser(prog="build.py", description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--repeat", type=int, default=3, help="runs of the whole `kanmin build` command (0: none)")
    ap.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES),
                    help="the stages to measure (the stages whose output they read run once first)")
    ap.add_argument("--no-rdf", action="store_true", help="without the rdf and validate stages")
    ap.add_argument("--baseline", type=Path, metavar="DIR",
                    help="a checkout of another commit: run its own benchmark and code side by side")
    ap.add_argument("--pairs", type=int, metavar="N",
                    help="runs of each stage per checkout (default 3 with --baseline or --against, else 1)")
    ap.add_argument("--save", type=Path, metavar="FILE", help="write this run's figures as JSON")
    ap.add_argument("--against", type=Path, metavar="FILE",
                    help="compare with a run saved by --save (on the same machine)")
    args = ap.parse_args(argv)
    if args.baseline and args.against:
        ap.error("--baseline and --against are two ways to compare: give one")
    comparing = bool(args.baseline or args.against)
    pairs = args.pairs or (3 if comparing else 1)
    stages = [s for s in args.stages if not (args.no_rdf and s in ("rdf", "validate"))]
    saved = json.loads(args.against.read_text(encoding="utf-8")) if args.against else None
    checkouts = [Checkout("new", REPO)]
    if args.baseline:
        checkouts.append(Checkout("baseline", args.baseline))
    for c in checkouts:
        print(f"{c.label}: {c.root} ({c.commit()})")
    if saved:
        print(f"against: {args.against} ({saved.get('commit', '?')}, {saved.get('date', '?')}, "
              f"{saved.get('host', '?')})")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import kanmin.pipeline, frictionless"], check=True, env=checkouts[0].env)
    print(f"interpreter start-up incl. imports (kanmin.pipeline, frictionless): {time.perf_counter() - t0:.2f} s")

    def show(label: str, scale: int, stage: str, fig: dict) -> None:
        if comparing:  # progress on stderr: a comparison takes minutes
            print(f"  {label:>8} x{scale:<4} {stage:>9} {fig['wall_s']:7.2f} s {fig['cpu_s']:7.2f} cpu s "
                  f"{fig['peak_mb']:8.1f} MB",
                  file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as work:
        runs = measure(checkouts, args.scales, stages, pairs, args.repeat, Path(work), show)
    if args.save:
        record = {"format": "kanmin-bench/1", "commit": checkouts[0].commit(), "host": platform.node(),
                  "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **runs["new"]}
        if args.baseline:
            record["baseline"] = {"root": str(checkouts[1].root), "commit": checkouts[1].commit(),
                                  **runs["baseline"]}
        args.save.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        print(f"saved: {args.save}")
    print_plain(runs["new"], args.scales, stages)
    if not comparing:
        return 0
    if args.baseline:
        print(f"\nside by side with the baseline: {pairs} pairs, runs alternated (new first in every other pair); "
              "ratio = median of the pairs' new/baseline")
        ok = print_comparison(compare(runs["new"], runs["baseline"], paired=True), "new", "baseline")
    else:
        print("\nagainst the saved run: ratio = this run's median / the saved run's median")
        ok = print_comparison(compare(runs["new"], saved or {}, paired=False), "new", "saved")
    other = "baseline" if args.baseline else "saved run"
    print(f"every figure (but the floor) within {WITHIN - 1:.0%} of the {other}: {'yes' if ok else 'NO'}")
    return 0
