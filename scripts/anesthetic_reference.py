#!/usr/bin/env python3
"""Reference values for tests/anesthetic_fixtures.rs, computed by anesthetic.

Reads every sampler-output fixture in ../shared/data/anesthetic_fixtures/ (or the folder given
as the first argument) with anesthetic's own reader for that format and prints, per root, one
JSON object: the number of rows, the sum of the weights (as anesthetic defines them: the file's
weights for MCMC chains, and for nested runs exp(logw - max logw), so the largest is 1), the
parameter names
in file order, the weighted mean of each parameter, the weighted mean of logL where the format
has it, and for nested runs log Z (anesthetic's logZ(), from the expected prior volumes).

    python3 -m venv /tmp/anes && /tmp/anes/bin/pip install anesthetic h5py
    /tmp/anes/bin/python scripts/anesthetic_reference.py > reference.jsonl

The numbers pinned in tests/anesthetic_fixtures.rs come from anesthetic 2.16.0 (h5py 3 for
UltraNest).
"""
import json
import os
import sys
import warnings

import numpy as np
import anesthetic
from anesthetic.read.polychord import read_polychord
from anesthetic.read.multinest import read_multinest
from anesthetic.read.getdist import read_getdist
from anesthetic.read.cobaya import read_cobaya
from anesthetic.read.nestedfit import read_nestedfit
from anesthetic.read.csv import read_csv
from anesthetic.read.ultranest import read_ultranest  # needs h5py

here = os.path.dirname(os.path.abspath(__file__))
folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    here, '..', '..', 'shared', 'data', 'anesthetic_fixtures')

# root (relative to the fixtures folder), anesthetic's reader for it, nested? The parameters
# are every column anesthetic reads except its bookkeeping columns (BOOKKEEPING).
ROOTS = [
    ('pc', read_polychord, True),
    ('pc_250', read_polychord, True),
    ('pc_single_live', read_polychord, True),
    ('pc_zero_live', read_polychord, True),
    ('mn', read_multinest, True),
    ('mn_old', read_multinest, True),
    ('gd', read_getdist, False),
    ('gd_single', read_getdist, False),
    ('gd_single+X', read_getdist, False),
    ('cb', read_cobaya, False),
    ('cb_single_chain', read_cobaya, False),
    ('mp/2019-01-24_200000_', read_getdist, False),
    ('nf', read_nestedfit, True),
    ('bj.csv', read_csv, True),
    ('un', read_ultranest, True),
]
BOOKKEEPING = {'logL', 'logL_birth', 'nlive', 'logP', 'chain'}

print(f'# anesthetic {anesthetic.__version__}', file=sys.stderr)
for root, reader, nested in ROOTS:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        s = reader(os.path.join(folder, root))
    w = s.get_weights().astype(float)
    names = [c[0] if isinstance(c, tuple) else c for c in s.columns]
    params = [n for n in names if n not in BOOKKEEPING]
    x = s[params].to_numpy(dtype=float)
    out = {
        'root': root,
        'rows': int(len(s)),
        'sum_weights': float(w.sum()),
        'names': params,
        'means': [float(v) for v in (w @ x) / w.sum()],
    }
    if 'logL' in names:
        logl = s['logL'].to_numpy(dtype=float)
        ok = w > 0
        out['mean_logL'] = float((w[ok] @ logl[ok]) / w[ok].sum())
    if nested:
        out['logZ'] = float(s.logZ())
    print(json.dumps(out))
