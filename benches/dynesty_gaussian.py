"""dynesty's random-slice sampler on margflow's 10-D correlated Gaussian (gaussian-10).

Same problem as `CorrelatedGaussian::standard(10)`: L = N(theta; mu, Sigma) with
Sigma_ij = 0.1^2 (delta_ij + 0.5 (1 - delta_ij)), mu_j = 0.1 ((j mod 3) - 1), uniform prior on
[-1, 1]^10, true log Z = -10 log 2. Same settings as margflow's side of the comparison
(`cargo run --release --example nested_bench -- dynesty`): n_live = 500, 50 slice steps per new
point, stop when the remaining evidence is below 1e-3 of the total (dlogz = log(1 + 1e-3)).

Setup (benchmark only):  python3 -m venv /tmp/dyvenv && /tmp/dyvenv/bin/pip install dynesty numpy
Run:                     /tmp/dyvenv/bin/python benches/dynesty_gaussian.py [seeds]
"""
import math
import sys
import time

import dynesty
import numpy as np

D, SIGMA, RHO = 10, 0.1, 0.5
MU = np.array([SIGMA * ((j % 3) - 1) for j in range(D)])
COV = SIGMA**2 * ((1 - RHO) * np.eye(D) + RHO * np.ones((D, D)))
PREC = np.linalg.inv(COV)
LOG_NORM = -0.5 * np.linalg.slogdet(2 * np.pi * COV)[1]
TRUE_LOG_Z = -D * math.log(2.0)


def loglike(theta):
    x = theta - MU
    return LOG_NORM - 0.5 * x @ PREC @ x


def prior_transform(u):
    return 2.0 * u - 1.0


def main():
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(f"# dynesty {dynesty.__version__} rslice, gaussian-10, n_live = 500, slices = 50")
    print("| seed | log Z | sigma | |Delta|/sigma | calls | s |")
    print("|---|---|---|---|---|---|")
    for seed in range(seeds):
        t0 = time.perf_counter()
        sampler = dynesty.NestedSampler(
            loglike, prior_transform, D, nlive=500, sample="rslice", slices=50,
            rstate=np.random.default_rng(seed),
        )
        sampler.run_nested(dlogz=math.log1p(1e-3), print_progress=False)
        res = sampler.results
        dt = time.perf_counter() - t0
        lz, err = res.logz[-1], res.logzerr[-1]
        calls = int(np.sum(res.ncall))
        print(f"| {seed} | {lz:.3f} | {err:.3f} | {abs(lz - TRUE_LOG_Z) / err:.2f} | {calls} | {dt:.1f} |")
    print(f"\ntrue log Z = {TRUE_LOG_Z:.4f}")


if __name__ == "__main__":
    main()
