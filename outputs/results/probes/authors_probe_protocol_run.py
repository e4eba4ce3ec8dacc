"""Stage 1 of a dataset (SonyAIBORobotSurface2 unless named), naive VQVAE, preset=authors (unless named), probed as the
authors' code probes (for this measurement only; not a package option). Their `on_train_epoch_start` (epoch 0) and
`on_train_epoch_end` (every 100 epochs) encode the train split (one shuffled batch) and then the test split (batches
of 128, in file order) with the model in train mode: BatchNorm normalises with each batch's own statistics and updates
its running statistics, and the EMA codebook is updated with the train and then the test latents; training then goes
on from that state.

Usage: NCVQVAE_UCR_DIR=... OMP_NUM_THREADS=1 python authors_probe_protocol_run.py SEED MODE OUT.jsonl [DATASET [PRESET]]
MODE 'leak': the probes change the model as theirs do; 'clean': their probes run on a copy, the model is untouched.
Each line of OUT: epoch, our eval-mode probes (before their probe), their train-mode probes, and at epoch 1000 the
eval-mode probes of the model as their probe leaves it (in 'leak' mode, the model itself)."""
import copy, dataclasses, json, sys
import torch
import ncvqvae.stage1 as s1
from ncvqvae.data import load_dataset
from ncvqvae.params import run_settings, train_defaults
from ncvqvae.probes import run_probes
from ncvqvae.runs import CONFIGS

seed, mode, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
dataset = sys.argv[4] if len(sys.argv) > 4 else 'SonyAIBORobotSurface2'
preset = sys.argv[5] if len(sys.argv) > 5 else 'authors'
assert mode in ('leak', 'clean'), mode
ssl, aug = CONFIGS['vqvae']
run = run_settings({**train_defaults(), 'dataset': dataset, 'ssl_method': ssl, 'augmentations': aug,
                    'seed': seed, 'preset': preset, 'evaluate': False, 'stage2_epochs': 1,
                    'out_dir': f'/tmp/i23c/runs-{preset}-{mode}'})
ds = load_dataset(run.dataset)
X_tr, X_te = torch.as_tensor(ds.X_train), torch.as_tensor(ds.X_test)

held = {}
real_fit = s1.fit
def fit(model, *a, **k):
    held['model'] = model
    log(0, model)
    return real_fit(model, *a, **k)

def ours(model):
    ev_tr, ev_te = s1.encode_split(model, X_tr), s1.encode_split(model, X_te)
    return s1.probe_splits(ev_tr, ds.y_train, ev_te, ds.y_test)

def log(epoch, model):
    rec = {'dataset': dataset, 'preset': preset, 'seed': seed, 'mode': mode, 'epoch': epoch}
    if epoch: rec['ours'] = ours(model)                  # eval mode, before their probe touches anything
    m = model if mode == 'leak' else copy.deepcopy(model)
    g = torch.get_rng_state()
    perm = torch.randperm(len(X_tr))
    torch.set_rng_state(g)
    m.train()
    with torch.no_grad():
        f_tr = m.encode(X_tr[perm])[1].mean(dim=(2, 3))                                   # (n_train, 64)
        f_te = torch.cat([m.encode(X_te[i:i + 128])[1].mean(dim=(2, 3)) for i in range(0, len(X_te), 128)])
    rec['theirs'] = run_probes(f_tr.numpy(), ds.y_train[perm.numpy()], f_te.numpy(), ds.y_test)
    if epoch == run.train.epochs: rec['ours_after'] = ours(m)
    model.train()
    with open(out, 'a') as f: f.write(json.dumps(rec) + '\n')

s1.fit = fit
s1.train_stage1(dataclasses.replace(run.model, length=ds.length, in_channels=ds.X_train.shape[1]), run.train, ds,
                run.run_dir, progress=False, on_epoch_end=lambda e, r: log(e, held['model']) if e % 100 == 0 else None)
