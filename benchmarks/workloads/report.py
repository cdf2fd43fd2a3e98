"""Summaries and reports of a benchmark run: medians, ratios against the targets, machine description,
the markdown table (results/latest.md) and the JSON record (results/latest.json).

Raw samples come in as ``samples[threads][workload][lib] = [worker record, ...]``; a worker record has
``wall`` and ``cpu`` (seconds per operation), ``first`` (the first unit's result) and ``rss_mb``.
"""
import datetime
import importlib.metadata
import os
import platform
import statistics

from . import LIBS, MAIN, RSS_TARGET_MB, RSS_WORKLOAD, WORKLOADS


def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"platform": platform.platform(), "machine": platform.machine(), "cpu": cpu,
            "cores": os.cpu_count(), "usable_cores": affinity}


def versions():
    out = {"python": platform.python_version()}
    for dist in ("numpy", "torch", "tinygrad_edu"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def _median(records, key):
    values = [r[key] for r in records if r.get(key) is not None]
    return statistics.median(values) if values else None


def _paired_ratio(mine, other):
    """Median over repeats of mine[i] / other[i]: both were measured back to back, so each ratio sees
    nearly the same machine load."""
    ratios = [a["wall"] / b["wall"] for a, b in zip(mine, other) if a["wall"] and b["wall"]]
    return statistics.median(ratios) if ratios else None


def summarise(samples):
    """Medians per (threads, workload, lib) and tinygrad_edu's ratios with their targets."""
    summary = {}
    for threads, per_workload in samples.items():
        summary[threads] = {}
        for wid, per_lib in per_workload.items():
            libs = {}
            for lib, records in per_lib.items():
                libs[lib] = {"median_wall": _median(records, "wall"), "median_cpu": _median(records, "cpu"),
                             "median_rss_mb": _median(records, "rss_mb"), "first": _median(records, "first"),
                             "n": len(records)}
            ratios = {}
            mine = libs.get(MAIN, {}).get("median_wall")
            for other in LIBS:
                theirs = libs.get(other, {}).get("median_wall")
                if other == MAIN or not mine or not theirs:
                    continue
                target = WORKLOADS[wid].targets.get(other)
                ratio = mine / theirs
                ratios[other] = {"ratio": ratio, "paired_median": _paired_ratio(per_lib[MAIN], per_lib[other]),
                                 "target": target, "pass": None if target is None else ratio <= target}
            entry = {"unit": WORKLOADS[wid].unit, "libs": libs, "ratios": ratios}
            if wid == RSS_WORKLOAD and MAIN in libs and libs[MAIN]["median_rss_mb"] is not None:
                rss = libs[MAIN]["median_rss_mb"]
                entry["rss_target_mb"] = RSS_TARGET_MB
                entry["rss_pass"] = rss < RSS_TARGET_MB
            summary[threads][wid] = entry
    return summary


def _num(v):
    if v is None:
        return "–"
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def _mark(passed):
    return "" if passed is None else (" ✅" if passed else " ❌ miss")


def _ratio_cells(entry, other):
    r = entry["ratios"].get(other)
    if r is None:
        return ["–", "–"]
    target = "–" if r["target"] is None else f"≤ {r['target']}x{_mark(r['pass'])}"
    return [f"{r['ratio']:.2f}x", target]


def _cpu_ratio(entry, other):
    mine, theirs = (entry["libs"].get(lib, {}).get("median_cpu") for lib in (MAIN, other))
    return f"{mine / theirs:.2f}x" if mine and theirs else "–"


def _table(rows):
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows[1:]]
    return lines


def _header(record):
    m, v = record["machine"], record["versions"]
    quick = " (QUICK smoke run)" if record["quick"] else ""
    return [f"# Benchmarks: tinygrad_edu vs PyTorch vs hand-written numpy{quick}", "",
            f"- date: {record['date']}; total run time {record['duration_s']:.0f} s",
            f"- machine: {m['platform']}; CPU: {m['cpu']}; {m['cores']} cores ({m['usable_cores']} usable)",
            f"- versions: Python {v['python']}, numpy {v['numpy']}, torch {v['torch']}, "
            f"tinygrad_edu {v['tinygrad_edu']}",
            f"- load average (1, 5, 15 min) before/after: {record['load_before']} / {record['load_after']}",
            "- method: every measurement in a fresh process (`run.py --worker LIB WORKLOAD`), libraries "
            f"interleaved (tinygrad_edu, torch, numpy, then the next workload, ...) for {record['repeats']} "
            f"repeats; medians of wall time shown; each measurement runs for at least {record['min_time']} s "
            "after a warm-up. Ratio = median(tinygrad_edu) / median(other), lower is better; the paired "
            "ratio (median of the per-repeat ratios) is in latest.json.",
            "- threads: numpy/OpenBLAS via OMP_NUM_THREADS/OPENBLAS_NUM_THREADS/MKL_NUM_THREADS set before "
            "numpy is imported, torch via torch.set_num_threads(n); tinygrad_edu uses numpy's BLAS.",
            "- import: `python -c 'import X'` in a bare interpreter, after tinygrad_edu's bytecode has been "
            "compiled (as an installed package's is; numpy's and torch's come compiled).",
            *_load_warning(record), ""]


def _load_warning(record):
    """A caveat when other processes were already busy: the 1-minute load average before the run
    counts only them, since the harness had not started yet."""
    load, cores = record["load_before"][0], record["machine"]["usable_cores"] or record["machine"]["cores"]
    if load < 0.5:
        return []
    return [f"- **warning: the machine was busy** (1-minute load {load} on {cores} cores before the run "
            "started): wall times are inflated, and multi-threaded runs suffer most, since a parallel "
            "region waits for whichever of its threads was descheduled. Compare ratios and process_time "
            "rather than absolute times."]


def _scaled(entry, lib, key, scale):
    value = entry["libs"].get(lib, {}).get(key)
    return _num(None if value is None else value * scale)


def _thread_section(threads, per_workload):
    out = [f"## {threads} thread{'s' if str(threads) != '1' else ''}", ""]
    rows = [["workload", "unit", *LIBS, "tg/torch", "target", "tg/numpy", "target"]]
    cpu_rows = [["workload", "unit", *LIBS, "tg/torch", "tg/numpy"]]
    for wid, entry in per_workload.items():
        scale, unit = WORKLOADS[wid].scale, entry["unit"]
        rows.append([wid, unit, *(_scaled(entry, lib, "median_wall", scale) for lib in LIBS),
                     *_ratio_cells(entry, "torch"), *_ratio_cells(entry, "numpy")])
        cpu_rows.append([wid, unit, *(_scaled(entry, lib, "median_cpu", scale) for lib in LIBS),
                         _cpu_ratio(entry, "torch"), _cpu_ratio(entry, "numpy")])
        if "rss_target_mb" in entry:
            rows.append([f"{wid} peak RSS", "MB", *(_scaled(entry, lib, "median_rss_mb", 1) for lib in LIBS),
                         "–", f"< {entry['rss_target_mb']:.0f} MB{_mark(entry['rss_pass'])}", "–", "–"])
    out += _table(rows)
    out += ["", "process_time medians (CPU time of all threads of the worker, same units; steadier than "
            "wall time on a loaded machine, but it also counts threads spinning while they wait):", ""]
    return out + _table(cpu_rows) + [""]


def _agreement(record):
    out = ["## Agreement check", "",
           "Result of the first (warm-up) unit from the shared initial state: mean epoch loss (phone_mlp; "
           "shuffle orders differ between libraries, so only close), summed epoch loss (linreg, same "
           "shuffle), sum of a.grad after 200 iterations (op_overhead), loss (big_mlp), sum of x.grad "
           "after a 1000-link chain (deep_chain), mean epoch loss (digits_cnn; shuffle orders differ, so "
           "only close), loss of the first step (char_rnn, char_gpt).", ""]
    first_threads = next(iter(record["summary"].values()), {})
    rows = [["workload", *LIBS]]
    for wid, entry in first_threads.items():
        if wid != "import":
            firsts = (entry["libs"].get(lib, {}).get("first") for lib in LIBS)
            rows.append([wid, *("–" if f is None else f"{f:.6g}" for f in firsts)])
    return out + _table(rows)


def markdown(record):
    """The human-readable report: per thread count a table of wall-time medians and ratios with their
    targets and peak memory, then process-time medians; finally the cross-library agreement check."""
    out = _header(record)
    for threads, per_workload in record["summary"].items():
        out += _thread_section(threads, per_workload)
    out += _agreement(record)
    if record["errors"]:
        out += ["", "## Errors", ""] + [f"- {e}" for e in record["errors"]]
    return "\n".join(out) + "\n"


def now():
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")
