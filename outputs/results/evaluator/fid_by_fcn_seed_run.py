# How much do a run's FID figures move with the FCN's draw? The same run's samples, scored by FCNs of seeds 1-3.
# python fid_by_fcn_seed_run.py RUNS FCN_CACHE OUT.json   (RUNS: a runs folder such as outputs/runs-seed-w32;
# FCN_CACHE: the sweep's outputs/fcn, whose seed-1 FCNs scored the runs). Each run folder is copied to a scratch
# folder first: sample_diagnostics writes diagnostics.json beside the checkpoints, and the run's own must stay.
import json, shutil, sys, tempfile, torch
from dataclasses import replace
from pathlib import Path
from ncvqvae.evaluate import sample_diagnostics
from ncvqvae.fcn import FCNConfig

torch.set_num_threads(1)
runs, fcn_cache, out_json = map(Path, sys.argv[1:4])
scratch, out = Path(tempfile.mkdtemp()), {}
for ds in ('SonyAIBORobotSurface1', 'SonyAIBORobotSurface2'):
    src, dst = runs / ds / 'barlowtwins-warp' / 'seed4', scratch / ds
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns('cas', '*.png', '*.ipynb', 'diagnostics.json'))
    for s in (1, 2, 3):
        d = sample_diagnostics(dst, fcn_cfg=replace(FCNConfig(), seed=s), fcn_dir=fcn_cache if s == 1 else scratch / f'fcn_seed{s}',
                               device='cpu')
        out[f'{ds} fcn_seed{s}'] = {k: v for k, v in d.items() if isinstance(v, (int, float))}
        print(ds, s, round(d['fid'], 4), round(d['fid_test_mix'], 4), flush=True)
out_json.write_text(json.dumps(out, indent=1))
