"""Stage 1 of Sony2 vqvae preset=authors with the authors' LR schedule: cosine with T_max = epochs x (ceil(n/batch)+1),
stepped once per epoch (Lightning's default interval). Monkeypatched here, for a measurement only."""
import sys, math, torch
import ncvqvae.stage1 as s1
from ncvqvae.params import run_settings, train_defaults
from ncvqvae.data import load_dataset
seed = int(sys.argv[1])
orig = s1.make_optimizer
def authors_opt(params, lr, wd, total_steps, dev):
    opt, _ = orig(params, lr, wd, total_steps, dev)
    steps_per_epoch = max(1, run.train.epochs and total_steps // run.train.epochs)
    t_max = run.train.epochs * (steps_per_epoch + 1)              # in epochs, as Lightning steps it
    class PerEpoch(torch.optim.lr_scheduler.LambdaLR):
        pass
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 0.5 * (1 + math.cos(math.pi * (step // steps_per_epoch) / t_max)))
    return opt, sched
s1.make_optimizer = authors_opt
p = train_defaults()
from ncvqvae.runs import CONFIGS
ssl, aug = CONFIGS['vqvae']
p.update(dataset='SonyAIBORobotSurface2', ssl_method=ssl, augmentations=aug, seed=seed, preset='authors',
         evaluate=False, stage2_epochs=1, probe_every=25, out_dir='/tmp/i23b/runs')
run = run_settings(p)
import dataclasses
ds = load_dataset(run.dataset)
model_cfg = dataclasses.replace(run.model, length=ds.length, in_channels=ds.X_train.shape[1])
s1.train_stage1(model_cfg, run.train, ds, run.run_dir, progress=False)
