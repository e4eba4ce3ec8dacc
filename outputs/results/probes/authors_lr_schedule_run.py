"""Stage 1 of SonyAIBORobotSurface2, naive VQVAE, preset=authors, with a cosine schedule counted in epochs:
T_max = epochs x (ceil(n_train / batch) + 1), stepped once per epoch. Written on a misreading of the authors' code
(their training_step also steps the scheduler per batch, so theirs anneals to 0 like ours; see README.md); kept as the
record of the measurement. The schedule is monkeypatched for this measurement only.
Usage: NCVQVAE_UCR_DIR=... OMP_NUM_THREADS=1 python authors_lr_schedule_run.py SEED"""
import dataclasses, math, sys
import torch
import ncvqvae.stage1 as s1
from ncvqvae.data import load_dataset
from ncvqvae.params import run_settings, train_defaults
from ncvqvae.runs import CONFIGS

ssl, aug = CONFIGS['vqvae']
run = run_settings({**train_defaults(), 'dataset': 'SonyAIBORobotSurface2', 'ssl_method': ssl, 'augmentations': aug,
                    'seed': int(sys.argv[1]), 'preset': 'authors', 'evaluate': False, 'stage2_epochs': 1,
                    'probe_every': 25, 'out_dir': '/tmp/i23b/runs'})
ours = s1.make_optimizer

def authors_schedule(params, lr, weight_decay, total_steps, device):
    opt, _ = ours(params, lr, weight_decay, total_steps, device)
    per_epoch = max(1, total_steps // run.train.epochs)                  # batches per epoch
    t_max = run.train.epochs * (per_epoch + 1)                           # counted in epochs, as Lightning steps it
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 0.5 * (1 + math.cos(math.pi * (step // per_epoch) / t_max)))

s1.make_optimizer = authors_schedule
ds = load_dataset(run.dataset)
s1.train_stage1(dataclasses.replace(run.model, length=ds.length, in_channels=ds.X_train.shape[1]), run.train, ds,
                run.run_dir, progress=False)
