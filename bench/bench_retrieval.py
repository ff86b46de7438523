"""Time and memory of BUCC margin mining: today's full-matrix implementation vs xtask.mining.

    python bench/bench_retrieval.py            # dims 1024 and 384, n = m = 5k, 20k, 50k (~10 min)
    python bench/bench_retrieval.py --quick    # n = m = 1k, 3k at dim 384 (< 30 s)
    python bench/bench_retrieval.py --sizes 50000 --dims 1024 --methods numpy torch   # numpy vs torch at 50k

Each (dim, size, method) runs in a fresh subprocess on the same synthetic unit embeddings
(Gaussian around a common direction, like an encoder's: positive cosines). Memory is that
process's peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``), all allocations included
(numpy, torch, faiss, Python objects); "extra" is the peak minus the RSS once imports are done
and the embeddings exist. Methods:

- ``full``: the full-matrix mining xtask had before xtask.mining (tests/test_mining.py's reference): three n x m float32
  matrices; run only where ``FULL_FACTOR`` x n x m x 4 bytes fits ``--max-gb``, skipped otherwise;
- ``numpy``: ``mining.margin_candidates(backend="numpy")``, blocks of ``mining.BLOCK_BYTES``;
- ``faiss``: ``mining.margin_candidates(backend="faiss")`` (skipped when faiss is not installed);
- ``torch``: ``mining.margin_candidates(backend="torch")`` (xtask/mining_torch.py: the same scan in
  torch, here on the CPU; on a GPU node it runs on the GPU: the last lines project its time there).

Every method's candidates are compared with the full-matrix ones (or, where that is skipped, with
numpy's). The last lines extrapolate to BUCC's ~400k x 400k: time grows with n x m; the blocked
methods' memory is the inputs, the block working set (flat in n) and the candidate set, which
is measured at 400k directly.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

REPO = Path(__file__).resolve().parents[1]
METHODS = ("full", "numpy", "faiss", "torch")
FULL_FACTOR = 3.2  # peak of the full-matrix method in n x m float32 matrices (measured: ~3.0)
BUCC_SIZE = 400_000
Candidate = Tuple[float, int, int]


def full_matrix_margin_candidates(src: np.ndarray, tgt: np.ndarray, k: int = 4) -> List[Candidate]:
    """The margin mining of commit 89bb388 (before xtask.mining): tests/test_mining.py keeps it
    as the reference the blocked implementation must equal."""
    sys.path.insert(0, str(REPO / "tests"))
    from test_mining import reference_margin_candidates

    return reference_margin_candidates(src, tgt, k)


def embeddings(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim), dtype=np.float32)
    x += np.float32(0.5)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(method: str, n: int, dim: int, out: Path) -> None:
    import torch  # noqa: F401  (imported before the baseline by every method alike)

    sys.path.insert(0, str(REPO))
    from xtask import mining

    if method == "tail":
        return tail_worker(n)
    if method == "faiss":
        import faiss  # noqa: F401
    def run(src: np.ndarray, tgt: np.ndarray) -> List[Candidate]:
        if method == "full":
            return full_matrix_margin_candidates(src, tgt)
        return mining.margin_candidates(src, tgt, backend=method)

    run(embeddings(64, dim, seed=0), embeddings(64, dim, seed=3))  # one-time set-up (torch kernels: ~0.3 s)
    src, tgt = embeddings(n, dim, seed=1), embeddings(n, dim, seed=2)
    baseline, cpu, start = rss_mib(), cpu_seconds(), time.perf_counter()
    found = run(src, tgt)
    seconds, cpu, peak = time.perf_counter() - start, cpu_seconds() - cpu, rss_mib()
    np.save(out, np.array([(s, i, j) for s, i, j in found], dtype=np.float64).reshape(-1, 3))
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mib": peak, "extra_mib": peak - baseline}))


def tail_worker(n: int) -> None:
    """The part of a blocked run that grows with n: the candidate set and its greedy pass, on
    random best pairs (no two coincide: the largest set, 2n pairs), at the real n."""
    from xtask import mining

    rng = np.random.default_rng(0)
    best = [rng.permutation(n).astype(np.int64) for _ in range(2)]
    margins = [rng.random(n, dtype=np.float32) for _ in range(2)]
    baseline, start = rss_mib(), time.perf_counter()
    mining.one_to_one(best[0], margins[0], best[1], margins[1])
    seconds, peak = time.perf_counter() - start, rss_mib()
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "extra_mib": peak - baseline}))


# --- the table (parent) -------------------------------------------------------------------------


def faiss_available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def measure(method: str, n: int, dim: int, out: Path, threads: int) -> Dict[str, float]:
    env = {**os.environ, **{v: str(threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}
    command = [sys.executable, __file__, "--worker", method, str(n), str(dim), str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{method} n={n} dim={dim} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _pairs(candidates: np.ndarray) -> set:
    return {(int(i), int(j)) for _, i, j in candidates}


def compare(got: np.ndarray, want: np.ndarray) -> str:
    """How a candidate list differs from another: identical, scores, reordered near-ties, pairs."""
    if np.array_equal(got, want):
        return "identical"
    if len(got) != len(want) or _pairs(got) != _pairs(want):
        return f"{len(_pairs(got) ^ _pairs(want))} pairs differ of {len(want)}"
    score = {(int(i), int(j)): s for s, i, j in want}
    delta = max(abs(s - score[(int(i), int(j))]) for s, i, j in got)
    moved = (got[:, 1:] != want[:, 1:]).any(axis=1)
    if not moved.any():
        return f"same pairs in the same order, max|d score| {delta:.1e}"
    gap = float(np.abs(got[moved, 0] - want[moved, 0]).max())
    return f"same pairs, max|d score| {delta:.1e}; {int(moved.sum())} ranks swapped, scores there within {gap:.1e}"


HEADER = (f"{'dim':>5} {'n=m':>6} {'method':>6} {'wall s':>7} {'cpu s':>7} {'peak MiB':>8} {'extra MiB':>9} "
          f"{'cpu/numpy':>9}  result")


def row(dim: int, n: int, method: str, result: Optional[Dict[str, float]], base: Optional[float], note: str) -> str:
    if result is None:
        return f"{dim:>5} {n:>6} {method:>6} {'skipped':>7} {'':>7} {'':>8} {'':>9} {'':>9}  {note}"
    ratio = f"{result['cpu'] / base:.2f}x" if base else ""
    numbers = f"{result['seconds']:>7.2f} {result['cpu']:>7.2f} {result['peak_mib']:>8.0f} {result['extra_mib']:>9.0f}"
    return f"{dim:>5} {n:>6} {method:>6} {numbers} {ratio:>9}  {note}"


def run_size(dim: int, n: int, methods: Sequence[str], args: argparse.Namespace, tmp: Path) -> Dict[str, Dict]:
    results: Dict[str, Dict] = {}
    outputs: Dict[str, np.ndarray] = {}
    for method in methods:
        need_gib = FULL_FACTOR * n * n * 4 / 2**30
        if method == "full" and need_gib > args.max_gb:
            print(row(dim, n, method, None, None, f"needs ~{need_gib:.0f} GiB > --max-gb {args.max_gb:g}"))
            continue
        out = tmp / f"{method}-{dim}-{n}.npy"
        results[method] = measure(method, n, dim, out, args.threads)
        outputs[method] = np.load(out)
        reference = "full" if "full" in outputs else "numpy"
        base = results["numpy"]["cpu"] if "numpy" in results and method != "numpy" else None
        note = "" if method == reference else f"vs {reference}: {compare(outputs[method], outputs[reference])}"
        print(row(dim, n, method, results[method], base, note), flush=True)
    return results


def extrapolate(dim: int, table: Dict[int, Dict[str, Dict]], tail: Dict[str, float], threads: int) -> None:
    """To n = m = 400k. CPU time: x n*m from the largest measured size. Blocked memory: the block
    working set (flat in n once n exceeds one block's rows: the largest measured run) plus the
    candidate set at 400k, measured directly (``tail``)."""
    sizes = sorted(table)
    inputs_gib = 2 * BUCC_SIZE * dim * 4 / 2**30
    print(f"  -> n = m = {BUCC_SIZE // 1000}k, dim {dim} (inputs {inputs_gib:.1f} GiB), {threads} thread(s):")
    for method in METHODS:
        measured = [n for n in sizes if method in table[n]]
        if not measured:
            continue
        n = measured[-1]
        hours = table[n][method]["cpu"] * (BUCC_SIZE / n) ** 2 / 3600
        if method == "full":
            memory = f"~{3 * BUCC_SIZE ** 2 * 4 / 2**40:.2f} TiB of matrices (3 x n x m float32)"
        elif n > _block_rows(n):
            blocks = table[n][method]["extra_mib"]
            memory = (f"~{(blocks + tail['extra_mib']) / 1024:.1f} GiB above the inputs "
                      f"(blocks {blocks:.0f} MiB as at n={n}, candidates {tail['extra_mib']:.0f} MiB)")
        else:
            memory = "memory: a block still holds every row at these sizes (use sizes > 10k)"
        print(f"     {method:>6}: ~{hours:.1f} CPU hours (from n={n}), {memory}")


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="n = m = 1k, 3k at dim 384 only (< 30 s)")
    parser.add_argument("--sizes", type=int, nargs="+", help="sentences per side (default 5000 20000 50000)")
    parser.add_argument("--dims", type=int, nargs="+", help="embedding sizes (default 1024 384)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads per run (default 1)")
    parser.add_argument("--max-gb", type=float, default=6.0, help="skip the full-matrix method above this")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=None, help="default: all (faiss if installed)")
    parser.add_argument("--worker", nargs=4, metavar=("METHOD", "N", "DIM", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        method, n, dim, out = args.worker
        return worker(method, int(n), int(dim), Path(out))
    sizes = args.sizes or ([1000, 3000] if args.quick else [5000, 20000, 50000])
    dims = args.dims or ([384] if args.quick else [1024, 384])
    methods = [m for m in (args.methods or METHODS) if m != "faiss" or faiss_available()]
    print(f"margin_candidates, k=4, n = m; {args.threads} thread(s) per run; block = {_block_mib()} MiB of "
          "similarities;\nmemory = peak RSS of a fresh process (getrusage), extra = above imports + inputs; "
          "cpu = user + sys seconds (less\nsensitive than wall time to other processes on a shared machine)"
          + ("" if "faiss" in methods else "; faiss not installed: skipped"))
    with tempfile.TemporaryDirectory() as tmp:
        tail = measure("tail", BUCC_SIZE, 0, Path(tmp) / "tail.npy", args.threads)
        print(f"candidate set + greedy one-to-one at n = m = {BUCC_SIZE // 1000}k (2n random pairs): "
              f"{tail['seconds']:.1f} s, {tail['extra_mib']:.0f} MiB")
        print(HEADER)
        for dim in dims:
            table = {n: run_size(dim, n, methods, args, Path(tmp)) for n in sizes}
            extrapolate(dim, table, tail, args.threads)
            project_gpu(dim)


#: An H100 SXM's dense float32 rate (no TF32: the products are exact float32) and memory bandwidth.
GPU_FP32_FLOPS, GPU_BYTES_PER_S = 67e12, 3.35e12


def project_gpu(dim: int, n: int = BUCC_SIZE, efficiency: float = 0.5, passes: int = 12) -> None:
    """A computed (not measured) time for the torch backend on one H100 at n = m = ``n``: the
    two scans' products (2 x 2 n m dim flops) at ``efficiency`` of the float32 peak, plus
    ``passes`` reads or writes of an n x m float32 matrix (similarities, top-k, margins,
    argmaxes) at the memory bandwidth."""
    flops = 2 * 2 * n * n * dim
    seconds = flops / (efficiency * GPU_FP32_FLOPS) + passes * n * n * 4 / GPU_BYTES_PER_S
    print(f"     torch on one H100 (computed, not measured: {flops / 1e12:.0f} TFLOP at {efficiency:.0%} of "
          f"{GPU_FP32_FLOPS / 1e12:.0f} TFLOP/s fp32 + {passes} passes over n x m float32 at "
          f"{GPU_BYTES_PER_S / 1e12:.2f} TB/s): ~{seconds:.0f} s at n = m = {n // 1000}k")


def _block_mib() -> int:
    sys.path.insert(0, str(REPO))
    from xtask import mining

    return mining.BLOCK_BYTES // 2**20


def _block_rows(m: int) -> int:
    sys.path.insert(0, str(REPO))
    from xtask import mining

    return mining.block_rows(m)


if __name__ == "__main__":
    main()
