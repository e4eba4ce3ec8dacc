"""Test fixtures shared by the library notebooks' tests and `test_nbs.py`; not part of the package."""
import numpy as np

import ncvqvae
from ncvqvae.runs import CONFIGS


def fake_eval(dataset: str, config: str, seed: int, quality: float = 0.0, rng=None) -> dict:
    "An `eval.json` record with plausible values (for tests and demos); larger `quality` is better on every metric."
    rng = rng or np.random.default_rng([seed, *map(ord, dataset + config)])
    ssl, aug = CONFIGS[config]
    acc = lambda base: float(np.clip(base + 0.1 * quality + 0.02 * rng.standard_normal(), 0, 1))
    return dict(dataset=dataset, config=config, seed=seed, ssl_method=ssl, augmentations=aug, preset='seed', latent_width=32,
                stft_window='rectangular', res_kernel=3, weight_decay=1e-5,
                svm=acc(0.7), knn=acc(0.65), recon_mse=float(0.2 * np.exp(-quality) * (1 + 0.05 * rng.random())),
                fid=float(10 * np.exp(-quality) * (1 + 0.05 * rng.random())), is_mean=float(1.3 + 0.2 * quality),
                is_std=0.05, cas=acc(0.8), fcn_test_accuracy=0.9, stage1_seconds=100 + 10 * rng.random(),
                stage2_seconds=50 + 5 * rng.random(), codebook_usage=0.5, codebook_perplexity=20.0, n_samples=256,
                version=ncvqvae.__version__)
