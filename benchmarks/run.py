"""Time tinygrad_edu against real PyTorch and a hand-written numpy floor (issue 6).

    python benchmarks/run.py                       # full run: 1 and 2 threads, 5 repeats -> results/latest.*
    python benchmarks/run.py --quick               # smoke run: 1 repeat, short measurements, prints only
    python benchmarks/run.py --only phone_mlp,linreg --threads 1 --repeats 3
    python benchmarks/run.py --profile phone_mlp   # cProfile of tinygrad_edu, top 25 by tottime
    python benchmarks/run.py --worker LIB WORKLOAD --threads N   # one measurement, JSON on stdout

Every measurement runs in a fresh process, and the libraries are interleaved (tinygrad_edu, torch,
numpy; tinygrad_edu, torch, numpy; ...) so that a change of machine load hits all three alike. The
worker fixes the BLAS thread count through the environment before numpy is imported, and torch's
through torch.set_num_threads. The workloads themselves live in benchmarks/workloads/.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
DEFAULT_OUT = os.path.join(HERE, "results", "latest")
# `import X` timed in a bare interpreter, so that nothing the harness imports is already cached
IMPORT_SNIPPET = """\
import time, resource
t0, c0 = time.perf_counter(), time.process_time()
import {module}
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print('{{"wall": %r, "cpu": %r, "rss_mb": %r}}' % (wall, cpu, rss))
"""


def thread_env(threads):
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    return env


def set_threads(threads):
    """Fix the BLAS thread count of this process; must run before numpy is imported."""
    if "numpy" in sys.modules:
        raise RuntimeError("set_threads() must run before numpy is imported")
    for var in THREAD_VARS:
        os.environ[var] = str(threads)


def run_units(bench, seconds):
    """Call bench.unit() until ``seconds`` have passed (at least once); returns the number of units."""
    units, start = 0, time.perf_counter()
    while units == 0 or time.perf_counter() - start < seconds:
        bench.unit()
        units += 1
    return units


# ------------------------------------------------------------------------------------ worker side
def worker(lib, workload, threads, min_time):
    """One measurement in this (fresh) process; prints a JSON record on stdout."""
    set_threads(threads)
    import resource
    sys.path.insert(0, HERE)
    from workloads import WORKLOADS, build, common
    lib_threads = None
    if lib == "torch":
        import torch
        torch.set_num_threads(threads)
        lib_threads = torch.get_num_threads()
    try:
        bench = build(lib, workload)
    except common.Unavailable as why:   # e.g. a library without nn.GRU: a clean report, not a traceback
        print(json.dumps({"lib": lib, "workload": workload, "unavailable": str(why)}))
        return
    first, units, wall, cpu = common.measure(bench, min_time, WORKLOADS[workload].min_units)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(json.dumps({"lib": lib, "workload": workload, "threads": threads, "lib_threads": lib_threads,
                      "units": units, "wall": wall, "cpu": cpu, "first": first, "rss_mb": rss}))


def profile(workload, lib, threads, seconds, top, sort):
    """cProfile ``workload`` on ``lib`` after a warm-up and print the ``top`` entries by ``sort``."""
    set_threads(threads)
    import cProfile
    import pstats
    sys.path.insert(0, HERE)
    from workloads import WORKLOADS, build
    bench = build(lib, workload)
    bench.warmup()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    units = run_units(bench, seconds)
    profiler.disable()
    elapsed = time.perf_counter() - start
    w = WORKLOADS[workload]
    per_op = elapsed / (units * bench.per_unit) * w.scale
    print(f"# {lib} {workload}, {threads} thread(s): {units} unit(s) in {elapsed:.2f} s under cProfile "
          f"({per_op:.4g} {w.unit} with profiling overhead)")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats(sort).print_stats(top)


# ------------------------------------------------------------------------------ orchestrator side
def run_one(lib, workload, threads, min_time, timeout):
    """Run one measurement in a fresh process; returns (record, error message)."""
    if workload == "import":
        sys.path.insert(0, HERE)
        from workloads import IMPORT_MODULE
        cmd = [sys.executable, "-c", IMPORT_SNIPPET.format(module=IMPORT_MODULE[lib])]
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", lib, workload,
               "--threads", str(threads), "--min-time", str(min_time)]
    try:
        proc = subprocess.run(cmd, env=thread_env(threads), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"{lib} {workload} threads={threads}: timed out after {timeout} s"
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return None, f"{lib} {workload} threads={threads}: exit {proc.returncode}: {tail}"
    record = json.loads(lines[-1])
    if "unavailable" in record:
        return None, f"{lib} {workload}: unavailable: {record['unavailable']}"
    return record, None


def compile_package_bytecode():
    """Write tinygrad_edu's .pyc files before import is timed. An installed package has them (pip
    compiles on install; the first import writes them), but an editable checkout run with
    PYTHONDONTWRITEBYTECODE=1, as on these machines, would otherwise recompile every source file
    in every timed import. numpy's and torch's bytecode comes with their wheels."""
    import compileall
    import importlib.util
    for where in importlib.util.find_spec("tinygrad_edu").submodule_search_locations:
        compileall.compile_dir(where, quiet=1)


def orchestrate(args, workloads, libs):
    from workloads import WORKLOADS, report
    if "import" in workloads:
        compile_package_bytecode()
    samples = {t: {w: {lib: [] for lib in libs} for w in workloads} for t in args.threads}
    errors, unavailable = [], set()
    start = time.perf_counter()
    load_before = [round(x, 2) for x in os.getloadavg()]
    for threads in args.threads:
        for rep in range(args.repeats):
            for wid in workloads:
                for lib in libs:
                    if (lib, wid) in unavailable:   # said once; no point asking again every repeat
                        continue
                    record, error = run_one(lib, wid, threads, args.min_time, args.timeout)
                    if error:
                        if ": unavailable: " in error:
                            unavailable.add((lib, wid))
                        errors.append(error)
                        print(f"  ERROR {error}", file=sys.stderr)
                        continue
                    samples[threads][wid][lib].append(record)
                    scale, unit = WORKLOADS[wid].scale, WORKLOADS[wid].unit
                    print(f"[{threads} thr, rep {rep + 1}/{args.repeats}, {time.perf_counter() - start:5.0f} s] "
                          f"{wid:12s} {lib:13s} {record['wall'] * scale:10.4g} {unit} "
                          f"(cpu {record['cpu'] * scale:.4g}, rss {record['rss_mb']:.0f} MB)", file=sys.stderr)
    record = {"date": report.now(), "quick": args.quick, "repeats": args.repeats, "threads": args.threads,
              "min_time": args.min_time, "libs": list(libs), "machine": report.machine_info(),
              "versions": report.versions(), "load_before": load_before,
              "load_after": [round(x, 2) for x in os.getloadavg()],
              "duration_s": time.perf_counter() - start, "errors": errors,
              "summary": report.summarise(samples), "samples": samples}
    text = report.markdown(record)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out + ".md", "w") as f:
            f.write(text)
        with open(args.out + ".json", "w") as f:
            json.dump(record, f, indent=1)
        print(f"wrote {args.out}.md and {args.out}.json", file=sys.stderr)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=None, help="interleaved repeats (default 5; 1 with --quick)")
    p.add_argument("--quick", action="store_true", help="smoke run: 1 repeat, short measurements, no files "
                   "written unless --out is given")
    p.add_argument("--only", default=None, help="comma-separated workload ids (default: all)")
    p.add_argument("--libs", default=None, help="comma-separated libraries (default: tinygrad_edu,torch,numpy)")
    p.add_argument("--threads", default=None, help="comma-separated thread counts (default 1,2; 1 with --quick)")
    p.add_argument("--min-time", type=float, default=None, help="seconds per measurement (default 0.4)")
    p.add_argument("--timeout", type=float, default=300, help="seconds before a worker is killed")
    p.add_argument("--out", default=None, help=f"output path without extension (default {DEFAULT_OUT})")
    p.add_argument("--worker", nargs=2, metavar=("LIB", "WORKLOAD"), help="internal: one measurement")
    p.add_argument("--profile", metavar="WORKLOAD", help="cProfile WORKLOAD and print the top entries")
    p.add_argument("--lib", default="tinygrad_edu", help="library for --profile")
    p.add_argument("--top", type=int, default=25, help="entries printed by --profile")
    p.add_argument("--sort", default="tottime", help="pstats sort key for --profile (tottime, cumtime, ...)")
    p.add_argument("--seconds", type=float, default=2.0, help="profiled seconds for --profile")
    args = p.parse_args(argv)
    args.repeats = args.repeats or (1 if args.quick else 5)
    args.min_time = args.min_time if args.min_time is not None else (0.05 if args.quick else 0.4)
    threads = args.threads or ("1" if args.quick else "1,2")
    args.threads = [int(t) for t in threads.split(",")]
    if args.out is None and not args.quick:
        args.out = DEFAULT_OUT
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.worker:
        lib, workload = args.worker
        if workload == "import":  # timed in a bare interpreter, not in this one
            record, error = run_one(lib, workload, args.threads[0], args.min_time, args.timeout)
            if error:
                sys.exit(error)
            print(json.dumps(record))
        else:
            worker(lib, workload, args.threads[0], args.min_time)
        return
    if args.profile:
        profile(args.profile, args.lib, args.threads[0], args.seconds, args.top, args.sort)
        return
    sys.path.insert(0, HERE)
    from workloads import LIBS, WORKLOADS
    workloads = list(WORKLOADS) if args.only is None else args.only.split(",")
    libs = list(LIBS) if args.libs is None else args.libs.split(",")
    unknown = [w for w in workloads if w not in WORKLOADS] + [lib for lib in libs if lib not in LIBS]
    if unknown:
        sys.exit(f"unknown workload/library {unknown}; workloads: {list(WORKLOADS)}, libraries: {list(LIBS)}")
    orchestrate(args, workloads, libs)


if __name__ == "__main__":
    main()
