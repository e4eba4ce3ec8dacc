"""The test suite: every library notebook through nbdev's own runner, plus the workspace checks
(papermill notebooks, JupyterLab) that a notebook cannot run on itself. Run: `pytest nbs`."""
import json, os, secrets, signal, socket, subprocess, sys, time, urllib.error, urllib.request
from pathlib import Path

import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook_tests
from ncvqvae.runs import Run

NBS = Path(__file__).resolve().parent
ROOT = NBS.parent
SHARED_UCR = ROOT.parent / 'shared' / 'UCRArchive_2018'
os.environ.pop('MPLBACKEND', None)   # papermill kernels must use the inline backend to keep their figures
LIBRARY_NBS = sorted(NBS.glob('[0-9]*.ipynb')) + [NBS / 'index.ipynb']


OWN_PROCESS = {'54_standin'}   # registers a device, which torch's autograd must see before the process's first backward


@pytest.mark.parametrize('nb', LIBRARY_NBS, ids=lambda p: p.stem)
def test_notebook(nb):
    "Run a library notebook as `nbdev_test` does (cells flagged `#| slow` are skipped); some in a process of their own."
    if nb.stem in OWN_PROCESS:
        code = ('import sys; from pathlib import Path; from nbdev.config import get_config; from nbdev.test import test_nb; '
                'cfg = get_config(); '
                f'sys.exit(0 if test_nb(Path({str(nb)!r}), skip_flags=cfg.tst_flags.split(), basepath=cfg.config_path)[0] else 1)')
        r = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0, f'{nb.name} failed:\n{(r.stdout + r.stderr)[-6000:]}'
        return
    cfg = get_config(path=ROOT)
    ok, secs = run_notebook_tests(nb, skip_flags=cfg.tst_flags.split(), basepath=cfg.config_path)
    assert ok, f'{nb.name} failed (traceback above)'


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def _get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r: return json.loads(r.read())


def test_jupyterlab(tmp_path):
    "JupyterLab starts on 127.0.0.1 with a token, its API answers, and its kernel imports ncvqvae."
    from jupyter_client import BlockingKernelClient
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / 'runtime'), JUPYTER_CONFIG_DIR=str(tmp_path / 'config'))
    cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
           f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={ROOT}', '--allow-root']
    log = open(tmp_path / 'lab.log', 'w')
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f'http://127.0.0.1:{port}'
    try:
        for _ in range(120):
            try: status = _get(f'{base}/api/status?token={token}'); break
            except OSError: time.sleep(0.5)
        else: pytest.fail('jupyter lab did not answer: ' + (tmp_path / 'lab.log').read_text()[-2000:])
        assert 'started' in status
        with pytest.raises(urllib.error.HTTPError): _get(f'{base}/api/kernels')   # the token is required
        specs = _get(f'{base}/api/kernelspecs?token={token}')
        assert specs['default'] in specs['kernelspecs']
        req = urllib.request.Request(f'{base}/api/kernels?token={token}', method='POST',
                                     data=json.dumps({'name': specs['default']}).encode(),
                                     headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=30) as r: kid = json.loads(r.read())['id']
        conn = tmp_path / 'runtime' / f'kernel-{kid}.json'
        for _ in range(60):
            if conn.exists(): break
            time.sleep(0.5)
        kc = BlockingKernelClient(connection_file=str(conn)); kc.load_connection_file(); kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            out = []
            reply = kc.execute_interactive('import ncvqvae; print(ncvqvae.__file__)', timeout=60,
                                           output_hook=lambda m: out.append(m['content'].get('text', '')))
            assert reply['content']['status'] == 'ok', reply['content']
            assert str(ROOT / 'ncvqvae') in ''.join(out)
        finally: kc.stop_channels()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)          # stop it by its process id (and its kernels)
        try: proc.wait(timeout=20)
        except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL); proc.wait()
        log.close()
    assert proc.returncode is not None


def _papermill(nb, out, **params):
    import papermill as pm
    return pm.execute_notebook(str(nb), str(out), parameters=params, kernel_name='python3',
                               progress_bar=False, cwd=str(ROOT))


def _ucr_dir():
    return str(SHARED_UCR) if SHARED_UCR.exists() else None


def test_explore_datasets(tmp_path):
    "The dataset overview (README's main job for now) runs on the embedded set plus whatever is local."
    nb = _papermill(NBS / 'explore' / 'datasets.ipynb', tmp_path / 'datasets.ipynb', data_dir=_ucr_dir(),
                    datasets='SyntheticCBF,SonyAIBORobotSurface1,ElectricDevices')
    text = json.dumps(nb['cells'])
    assert 'image/png' in text and 'ElectricDevices' in text


def test_explore_augmentations(tmp_path):
    nb = _papermill(NBS / 'explore' / 'augmentations.ipynb', tmp_path / 'aug.ipynb', data_dir=_ucr_dir())
    assert json.dumps(nb['cells']).count('image/png') >= 4


@pytest.mark.parametrize('ssl_method', ['none', 'barlowtwins', 'vibcreg'])
def test_train_notebook(tmp_path, ssl_method):
    "train.ipynb through papermill with tiny epochs writes the whole run record."
    _papermill(NBS / 'train.ipynb', tmp_path / 'train.ipynb', ssl_method=ssl_method, augmentations='gauss',
               stage1_epochs=2, stage2_epochs=2, out_dir=str(tmp_path / 'runs'), device='cpu', val_every=1,
               probe_every=2, ckpt_every=1, n_samples_per_class=2, evaluate=ssl_method == 'vibcreg', fcn_epochs=2,
               cas_epochs=2, n_cas=20, n_uncond=24, proj_hidden=64, proj_dim=64, prior_width=64, prior_layers=1)
    name = 'vqvae' if ssl_method == 'none' else f'{ssl_method}-gauss'
    run = Run(tmp_path / 'runs', 'SyntheticCBF', name, 1).dir
    for f in ('config.json', 'metrics.jsonl', 'stage1.pt', 'summary_stage1.json', 'reconstructions.png',
              'metrics_stage2.jsonl', 'stage2.pt', 'summary_stage2.json', 'samples_per_class.png', 'samples_unconditional.png'):
        assert (run / f).exists(), f
    summary = json.loads((run / 'summary_stage1.json').read_text())
    assert 0 <= summary['svm'] <= 1 and summary['test_mse'] > 0
    assert (run / 'eval.json').exists() == (ssl_method == 'vibcreg')       # evaluate=False skips the evaluation
    assert (run / 'diagnostics.json').exists() == (ssl_method == 'vibcreg')  # and the sample diagnostics
    if ssl_method == 'none':                       # a prior-only variant takes this run's stage 1 instead of training one
        _papermill(NBS / 'train.ipynb', tmp_path / 'prior.ipynb', ssl_method='none', augmentations='gauss',
                   stage1_epochs=2, stage2_epochs=2, out_dir=str(tmp_path / 'prior'), stage1_from=str(tmp_path / 'runs'),
                   p_uncond=0.5, device='cpu', val_every=1, probe_every=2, ckpt_every=1, n_samples_per_class=2,
                   evaluate=False, proj_hidden=64, proj_dim=64, prior_width=64, prior_layers=1)
        taken = Run(tmp_path / 'prior', 'SyntheticCBF', 'vqvae', 1).dir
        assert os.path.samefile(taken / 'stage1.pt', run / 'stage1.pt')               # linked, not trained again
        assert json.loads((taken / 'config.json').read_text())['stage2']['prior']['p_uncond'] == 0.5
        assert (taken / 'summary_stage2.json').exists()
    if ssl_method == 'vibcreg':
        assert json.loads((run / 'eval.json').read_text())['n_samples'] == 24                   # -p n_uncond reaches FID / IS
        _papermill(NBS / 'evaluate.ipynb', tmp_path / 'evaluate.ipynb', run_dir=str(run), n_cas=20, fcn_epochs=2, cas_epochs=2)
        res = json.loads((run / 'eval.json').read_text())
        assert {'svm', 'knn', 'recon_mse', 'fid', 'is_mean', 'cas'} <= set(res) and res['config'] == 'vibcreg-gauss'


def test_cli_train(tmp_path):
    "`ncvqvae train` runs train.ipynb for one run, streams its output, and keeps the executed notebook in the run folder."
    env = dict(os.environ, NCVQVAE_OUTPUTS=str(tmp_path))
    r = subprocess.run([str(Path(sys.executable).parent / 'ncvqvae'), 'train', 'SyntheticCBF', '--config', 'vqvae', '-p', 'stage1_epochs=2',
                        '-p', 'stage2_epochs=2', '-p', 'evaluate=False', '-p', 'device=cpu', '-p', 'n_samples_per_class=2'],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    run = tmp_path / 'runs-seed-w32' / 'SyntheticCBF' / 'vqvae' / 'seed1'
    assert (run / 'train.ipynb').exists() and (run / 'stage2.pt').exists()
    assert 'stage 1 SyntheticCBF vqvae' in r.stdout + r.stderr                   # the epoch bars reach the terminal


def test_train_notebook_rejects_bad_parameter(tmp_path):
    import papermill as pm
    with pytest.raises(pm.PapermillExecutionError, match="'barlowtwins'"):
        _papermill(NBS / 'train.ipynb', tmp_path / 'bad.ipynb', ssl_method='barlow', stage1_epochs=1,
                   out_dir=str(tmp_path / 'runs'))
    with pytest.raises(pm.PapermillExecutionError, match='0 skips CAS'):          # before any training, not after it
        _papermill(NBS / 'train.ipynb', tmp_path / 'bad.ipynb', n_cas=-1, stage1_epochs=1, out_dir=str(tmp_path / 'runs'))
    assert not (tmp_path / 'runs').exists()
    run = Run(tmp_path / 'runs', 'SyntheticCBF', 'vqvae', 1).dir                  # evaluate.ipynb: every problem at once
    with pytest.raises(pm.PapermillExecutionError, match=r'has no config\.json, stage1\.pt, stage2\.pt.*fcn_epochs must be a positive'):
        _papermill(NBS / 'evaluate.ipynb', tmp_path / 'bad_eval.ipynb', run_dir=str(run), fcn_epochs=0)
    assert not (tmp_path / 'runs').exists()


def test_explore_reconstructions(tmp_path):
    "The reconstructions notebook compares a baseline and an NC-VQVAE run (trained tiny here)."
    from ncvqvae.data import load_ucr
    from ncvqvae.stage1 import Stage1Config, TrainConfig, train_stage1
    ds = load_ucr('SyntheticCBF')
    for method, name in (('none', 'vqvae'), ('barlowtwins', 'barlowtwins-warp')):
        train_stage1(Stage1Config(length=ds.length, ssl_method=method, proj_hidden=64, proj_dim=64),
                     TrainConfig(epochs=2, batch_size=16, device='cpu', probe_every=2),
                     ds, Run(tmp_path / 'runs', 'SyntheticCBF', name, 1).dir, progress=False)
    nb = _papermill(NBS / 'explore' / 'reconstructions.ipynb', tmp_path / 'rec.ipynb',
                    runs_dir=str(tmp_path / 'runs'), max_tsne=200)
    assert json.dumps(nb['cells']).count('image/png') >= 4


def test_explore_generation(tmp_path):
    "The generation notebook draws samples, token maps and the decoding trace from a tiny trained run."
    from ncvqvae.data import load_ucr
    from ncvqvae.stage1 import Stage1Config, TrainConfig, train_stage1
    from ncvqvae.stage2 import Stage2TrainConfig, prior_config, train_stage2
    ds = load_ucr('SyntheticCBF')
    run_dir = Run(tmp_path / 'runs', 'SyntheticCBF', 'barlowtwins-warp', 1).dir
    stage1_model, _ = train_stage1(Stage1Config(length=ds.length, ssl_method='barlowtwins', proj_hidden=64, proj_dim=64),
                                   TrainConfig(epochs=2, batch_size=16, device='cpu', probe_every=2), ds, run_dir, progress=False)
    train_stage2(stage1_model, prior_config(stage1_model, ds.n_classes, width=64, n_layers=2),
                 Stage2TrainConfig(epochs=2, batch_size=16, device='cpu'), ds, run_dir, progress=False)
    nb = _papermill(NBS / 'explore' / 'generation.ipynb', tmp_path / 'gen.ipynb', runs_dir=str(tmp_path / 'runs'),
                    mix_samples=16)
    text = json.dumps(nb['cells'])
    assert text.count('image/png') >= 5 and 'random order, T = N' in text and 'uncond: share' in text


# The sweep, its state and the report: `ncvqvae sweep | status | report` on a 2 datasets x 2 configs x 1 seed grid
# with tiny epochs (train.ipynb takes ~10-20 s a run on 2 cores).

TINY = ['-p', 'stage1_epochs=1', '-p', 'stage2_epochs=1', '-p', 'proj_hidden=64', '-p', 'proj_dim=64', '-p', 'prior_width=64',
        '-p', 'prior_layers=1', '-p', 'n_samples_per_class=1', '-p', 'evaluate=False', '-p', 'device=cpu']


def _tiny_ucr(root, name='TinyCBF', test_split=True):
    "A small dataset in the archive layout (from the embedded generator): 20 train and 60 test series of length 64."
    from ncvqvae.data import load_embedded
    ds = load_embedded(n_train=20, n_test=60, length=64)
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    for split, X, y in (('TRAIN', ds.X_train, ds.y_train), ('TEST', ds.X_test, ds.y_test))[:2 if test_split else 1]:
        (folder / f'{name}_{split}.tsv').write_text(''.join('\t'.join(map(str, [int(l) + 1, *x[0]])) + '\n' for l, x in zip(y, X)))
    return Path(root)


def _two_datasets(tmp_path):
    "SyntheticCBF and SonyAIBORobotSurface1 from the shared archive, or, where it is absent, a tiny one written here."
    if SHARED_UCR.exists(): return 'SyntheticCBF,SonyAIBORobotSurface1', str(SHARED_UCR)
    return 'SyntheticCBF,TinyCBF', str(_tiny_ucr(tmp_path / 'ucr'))


def _sweep_state(runs, grid_args):
    from ncvqvae.cli import build_parser, _plan
    from ncvqvae.launch import sweep_statuses
    specs = _plan(build_parser().parse_args(['status', *map(str, grid_args)]))
    return specs, sweep_statuses(specs)


def test_sweep_local_interrupted_then_resumed(tmp_path, capsys):
    "`ncvqvae sweep` on 2 local workers, killed after its first finished run, resumes: finished runs are not rerun."
    from ncvqvae.cli import main
    from ncvqvae.core import read_jsonl
    datasets, data_dir = _two_datasets(tmp_path)
    runs = tmp_path / 'runs'
    grid = ['--datasets', datasets, '--configs', 'vqvae,barlowtwins-gauss', '--seeds', '1', '--out', str(runs),
            *TINY, '-p', f'data_dir={data_dir}']
    log = open(tmp_path / 'sweep.log', 'w')
    proc = subprocess.Popen([str(Path(sys.executable).parent / 'ncvqvae'), 'sweep', *grid, '--workers', '2', '--no-progress'],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 600
        while not read_jsonl(runs / 'sweep.jsonl'):            # a run has finished
            assert proc.poll() is None, (tmp_path / 'sweep.log').read_text()[-3000:]
            assert time.time() < deadline, 'no run finished in 10 minutes'
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)                 # the sweep, its workers (its process group) by id
        proc.wait(timeout=60); log.close()
    for _ in range(120):                                    # the workers shut their kernels down and free their locks
        specs, states = _sweep_state(runs, grid)
        if 'running' not in states: break
        time.sleep(0.5)
    done_before = {s.dir: (s.dir / 'train.ipynb').stat().st_mtime_ns for s, st in zip(specs, states) if st == 'done'}
    errors = [(s.dir / 'sweep_error.json').read_text() for s, st in zip(specs, states) if st == 'failed']
    assert 1 <= len(done_before) <= 2 and set(states) <= {'done', 'missing'}, (states, errors)
    capsys.readouterr()
    assert main(['status', *grid]) == 0
    assert f'{len(done_before)} done, 0 running, 0 failed, {4 - len(done_before)} missing (of 4)' in capsys.readouterr().out

    assert main(['sweep', *grid, '--workers', '2', '--no-progress']) == 0      # resume
    assert f'skipped {len(done_before)} done' in capsys.readouterr().out
    specs, states = _sweep_state(runs, grid)
    assert states == ['done'] * 4
    for s in specs:
        nb = json.loads((s.dir / 'train.ipynb').read_text())                  # the executed notebook is the record
        assert nb['metadata']['papermill']['parameters']['ssl_method'] == s.parameters['ssl_method']
        assert (s.dir / 'samples_per_class.png').exists() and not (s.dir / 'sweep.lock').exists()
    assert {p: (p / 'train.ipynb').stat().st_mtime_ns for p in done_before} == done_before   # not run again
    records = read_jsonl(runs / 'sweep.jsonl')
    finished = [r['run_dir'] for r in records]
    assert len(set(finished)) == len(finished) and {str(s.dir) for s in specs if s.dir not in done_before} <= set(finished)
    assert all(r['threads'] == str(max(1, os.cpu_count() // 2)) for r in records)

    assert main(['sweep', *grid, '--workers', '2']) == 0                          # nothing left to do
    assert '0 to run; skipped 4 done' in capsys.readouterr().out
    assert main(['status', *grid]) == 0
    assert '4 done, 0 running, 0 failed, 0 missing (of 4)' in capsys.readouterr().out


def test_sweep_submitit_local_failed_then_retried(tmp_path, capsys, monkeypatch):
    """The slurm executor through submitit's local cluster: a run that fails is recorded, skipped, and retried on request;
    each job gets its own GPU of the visible ones (here made up: no GPU is used, the runs train on the CPU)."""
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '2,3')
    from ncvqvae.cli import main
    from ncvqvae.core import read_json, read_jsonl
    ucr = _tiny_ucr(tmp_path / 'ucr', 'TinyA')                               # two small sets keep this test short;
    _tiny_ucr(ucr, 'TinyB', test_split=False)                               # TinyB lacks its TEST split: its runs fail
    runs = tmp_path / 'runs'
    grid = ['--datasets', 'TinyA,TinyB', '--configs', 'vqvae,barlowtwins-gauss', '--seeds', '1',
            '--out', str(runs), *TINY, '-p', f'data_dir={ucr}']
    slurm = ['--executor', 'slurm', '--cluster', 'local', '--array-parallelism', '2', '--no-progress']
    assert main(['sweep', *grid, *slurm]) == 1
    specs, states = _sweep_state(runs, grid)
    assert [(s.dataset, st) for s, st in zip(specs, states)] == [('TinyA', 'done'), ('TinyB', 'failed')] * 2
    bad = specs[1].dir
    assert 'missing split file' in read_json(bad / 'sweep_error.json')['error']
    assert 'missing split file' in (bad / 'train.ipynb').read_text()               # the failed notebook is kept
    assert len([p for p in (runs / 'slurm_logs').iterdir() if p.name.isdigit()]) == 2   # 4 runs dealt into 2 local jobs
    assert {r['cuda_visible_devices'] for r in read_jsonl(runs / 'sweep.jsonl')} == {'2', '3'}  # not all on the first GPU
    capsys.readouterr()
    assert main(['status', *grid]) == 0
    out = capsys.readouterr().out
    assert '2 done, 0 running, 2 failed, 0 missing (of 4)' in out and 'missing split file' in out

    assert main(['sweep', *grid, *slurm]) == 0                                  # failed runs wait for --retry-failed
    assert '0 to run' in capsys.readouterr().out
    _tiny_ucr(ucr, 'TinyB')                                                     # the cause is fixed
    assert main(['sweep', *grid, *slurm, '--retry-failed']) == 0
    assert _sweep_state(runs, grid)[1] == ['done'] * 4
    records = read_jsonl(runs / 'sweep.jsonl')
    assert [r['status'] for r in records].count('done') == 4 and all(r['job_id'] for r in records)
    assert not (bad / 'sweep_error.json').exists()


def test_report(tmp_path, capsys):
    "`ncvqvae report` renders report.html from eval.json files (here fake ones), with missing runs shown as missing."
    from ncvqvae.cli import main
    from ncvqvae.core import atomic_write_json
    from ncvqvae.runs import diagnostics_path, record_path, results_root
    from fixtures import fake_eval
    empty = tmp_path / 'empty'; empty.mkdir()
    assert main(['report', '--out', str(empty)]) == 0
    assert 'Nothing to report yet' in (empty / 'report.html').read_text()
    assert 'No sample diagnostics yet' in (empty / 'report.html').read_text()
    runs = tmp_path / 'runs'
    quality = {'vqvae': 0.0, 'barlowtwins-warp': 1.0, 'vibcreg-gauss': 2.0}
    for d in ('Wafer', 'ECG5000', 'Symbols'):
        for c, q in quality.items():
            for s in (1, 2):
                if (d, c) != ('Symbols', 'vibcreg-gauss'):                      # never ran: must show as missing
                    atomic_write_json(Run(runs, d, c, s).dir / 'eval.json', fake_eval(d, c, s, quality=q))
    atomic_write_json(Run(runs, 'Symbols', 'vibcreg-gauss', 1).dir / 'sweep_error.json', {'error': 'RuntimeError: x'})
    atomic_write_json(Run(runs, 'SyntheticCBF', 'vqvae', 1).dir / 'eval.json', fake_eval('SyntheticCBF', 'vqvae', 1))  # a README run
    for c, fid in {'vqvae': 30.0, 'barlowtwins-warp': 40.0}.items():             # sample diagnostics of 4 Wafer runs
        for s in (1, 2):
            atomic_write_json(diagnostics_path(results_root(runs), 'Wafer', c, s, 32), dict(
                dataset='Wafer', config=c, seed=s, preset='seed', latent_width=32, fid=fid, fid_train_mix=fid / 2, fid_test_mix=fid / 4 - 7,
                fid_real_train_mix=6.0, fid_real_test_mix=1.0, train_class_frac=[0.3, 0.7], test_class_frac=[0.6, 0.4],
                uncond_class_frac=[0.1, 0.9], uncond_tv_train=0.2, label_agreement_test_mix={'vqvae': 0.95, 'barlowtwins-warp': 0.85}[c]))
    import matplotlib.pyplot as plt                                              # one run drew its samples
    fig = plt.figure(figsize=(1, 1)); fig.savefig(Run(runs, 'Wafer', 'vqvae', 1).dir / 'samples_per_class.png'); plt.close(fig)
    assert main(['report', '--out', str(runs)]) == 0
    assert capsys.readouterr().out.strip().endswith('report.html')
    html = (runs / 'report.html').read_text()
    real = html[html.index('Real and generated series'):html.index('Ranking')]
    assert 'Wafer/vqvae/seed1' in real and real.count('data:image/png') == 1 and 'no run folder with samples here' in real
    assert 'Not in the study, so not counted: SyntheticCBF (1 run)' in html and '>SyntheticCBF<' not in html
    for text in ('<table', 'barlowtwins-warp', '±', 'missing (0/2)', '3/0/0', '2/0/0', 'data:image/png', 'Friedman p'):
        assert text in html, text
    # seed by seed: 3 datasets x 2 seeds, every NC-VQVAE unit better than its baseline on every metric
    assert 'NC-VQVAE, all 6' in html and html.count('6/6 · +') >= 6 and 'p=0.031' in html
    # and per dataset, 2 seeds each: Wafer and ECG5000 with 3 groups, Symbols (no VIbCReg run) with 2, x 6 metrics
    per_dataset = html[html.index('Per dataset'):html.index('Across datasets')]
    assert per_dataset.count('2/2 · +') == 8 * 6 and '>Symbols<' in per_dataset
    # where the FID comes from: the class mixes, the FIDs by mix, the real-data floor, the effect per FID
    assert 'unconditional samples are 90% class 1 (train 70%, test 40%)' in html
    assert 'FID is 35.00 with them, 17.50 with conditional samples in the train mix and 1.75' in html
    assert 'the change of mix costs 5.00' in html
    # with the mix held fixed, test-mix FID (vqvae 0.5, barlowtwins 3.0) against agreement (0.95, 0.85) and recon. MSE
    assert ('Across its 4 diagnosed runs, the rank correlation (Spearman) of test-mix FID with the class agreement is '
            '-1.00 and with the reconstruction MSE is -0.89.') in html      # FID tied within a config, MSE not: -0.89
    section = html[html.index('Where the FID comes from'):]
    assert 'IS ceiling' in section and '1.38' in section and '1.96' in section     # exp H(10/90), exp H(60/40)
    assert '10/90 unconditional' in html and 'train 30/70 · test 60/40' in html
    for text in ('0/2 · -10.00', '0/2 · -5.00', '0/2 · -2.50'):                   # rows barlowtwins-warp, barlowtwins, all
        assert html.count(text) == 3, text
    # what the SSL objective can reach: floors at the study's batches (Wafer, ECG5000: 128; Symbols: its 25 series)
    section = html[html.index('What the SSL objective can reach'):]
    for text in ('(batch 128, seeds 1 2)', 'fall below 0.135, with the views correlated at 0.86',
                 'floor is 0.015 with identical', '0.459',                     # Symbols: Barlow Twins' floor at batch 25
                 '>3.00</td>'):                                                # Wafer Barlow Twins, FID test mix: 40 / 4 - 7
        assert text in section, text
    assert '<strong>Symbols</strong>' not in section                                  # no VIbCReg run to set against
    assert 'No side experiments' in html
    # a side experiment: Barlow Twins on Wafer with a 256-wide projector, set against the study's runs of the same seeds
    exp = results_root(runs).parent / 'experiments' / 'wafer_d256'
    atomic_write_json(exp / 'experiment.json', {'title': 'Wafer with a narrow projector', 'question': 'Does D matter?',
                                               'commands': ['ncvqvae sweep --experiment wafer_d256 -p proj_dim=256'],
                                               'finding': 'D = 256 lifts the SVM on both seeds.'})
    for s in (1, 2):
        rec = {**fake_eval('Wafer', 'barlowtwins-warp', s, quality=1.0), 'proj_dim': 256, 'ssl_weight': 1 / 256,
               'lambd': 0.005, 'stage1_batch_size': 128, 'ssl_loss_final': 0.0, 'latent_width': 32}
        rec['svm'] += 0.01 * s                                                        # +1 and +2 points
        atomic_write_json(record_path(exp / 'runs', 'Wafer', 'barlowtwins-warp', s, 32), rec)
        atomic_write_json(diagnostics_path(exp / 'runs', 'Wafer', 'barlowtwins-warp', s, 32), dict(   # a mix nearer train's
            dataset='Wafer', config='barlowtwins-warp', seed=s, preset='seed', latent_width=32, fid=35.0, fid_test_mix=2.0,
            train_class_frac=[0.3, 0.7], uncond_class_frac=[0.25, 0.75], uncond_tv_train=0.05))
    assert main(['report', '--out', str(runs)]) == 0
    section = (runs / 'report.html').read_text()
    section = section[section.index('Experiments beside the study'):]
    for text in ('Wafer with a narrow projector', 'Does D matter?', 'wafer_d256', 'better in 2/2 pairs',
                 'ncvqvae sweep --experiment wafer_d256 -p proj_dim=256',                  # the command that ran it
                 'D = 256 lifts the SVM on both seeds.',                                   # and what it found
                 '(+1.5)', 'VIbCReg at the same datasets and seeds', 'naive VQVAE at the same', '>0.000</td>',   # its SSL loss ended at 0 x floor
                 'class mix off train (TV)</strong>: better in 2/2 pairs; 0.200 in the study, 0.050 here (-0.150)'):   # 10/90 -> 25/75
        assert text in section, text
    rows = (runs / 'results.csv').read_text().splitlines()
    assert len(rows) == 1 + 3 * 3 * 2 and sum(',missing,' in r or ',failed,' in r for r in rows) == 2


def test_report_from_records(tmp_path, capsys):
    "On a fresh clone the report is built from the committed result records alone, and compared with the authors' figures."
    from ncvqvae.cli import main
    from ncvqvae.core import atomic_write_json
    from ncvqvae.runs import diagnostics_path, record_path
    from fixtures import fake_eval
    results = tmp_path / 'results' / 'runs'
    for w in (8, 32):
        for c, q in {'vqvae': 0.0, 'barlowtwins-warp': 1.0}.items():
            for s in (1, 2):
                atomic_write_json(record_path(results, 'Wafer', c, s, w), {**fake_eval('Wafer', c, s, quality=q), 'latent_width': w})
                atomic_write_json(diagnostics_path(results, 'Wafer', c, s, w), dict(     # the FCN's classes of the samples
                    dataset='Wafer', config=c, seed=s, preset='seed', latent_width=w, uncond_class_frac=[0.02, 0.98] if c == 'vqvae' else [0.1, 0.9],
                    fid=9.0, fid_train_mix=5.0, fid_test_mix=4.0, fid_real_train_mix=1.0, fid_real_test_mix=1.0,
                    train_class_frac=[0.1, 0.9], test_class_frac=[0.1, 0.9], label_agreement_test_mix=0.9))
    runs = tmp_path / 'runs'                                                     # no run folders at all
    assert main(['report', '--out', str(runs)]) == 0
    html = (runs / 'report.html').read_text()
    for text in ('Against the authors', '94.4 ± 0.3', 'here, w8', 'here, w32', '(n=2)'):
        assert text in html, text
    # ours (width 8): barlowtwins-warp beats vqvae on every metric, outside noise; the authors' Wafer IS went down, the
    # other five went up, their reconstruction and CAS effects within noise: 5 of 6 agree, 3 of the 4 outside noise
    # and the same at the report's width (32), said to be a different protocol from theirs
    assert html.replace('&#39;', "'").count("authors' in <strong>5 of 6</strong> comparisons, and in <strong>3 of 4</strong>") == 2
    assert 'latent width 32; theirs 8: whether the direction of their effect holds under this protocol' in html
    agree = html[html.index('Agreement with the authors'):html.index('How their figure differs')]
    assert [agree.index(f'>{m}<') for m in ('SVM %', 'KNN %', 'recon. MSE', 'FID', 'IS', 'CAS %')] == sorted(
        agree.index(f'>{m}<') for m in ('SVM %', 'KNN %', 'recon. MSE', 'FID', 'IS', 'CAS %'))      # the registry's order
    # the authors' Wafer IS needs >= 8.4% (vqvae, 1.334) and 5.9% (barlowtwins-warp, 1.251) outside the top class
    section = html[html.index('IS and the class mix of the samples'):]
    assert '8.4' in section and '5.9' in section and '10.0 (n=2)' in section
    assert 'less mixed than the authors\' IS requires: Wafer vqvae at w8 (2.0% against ≥ 8.4%); Wafer vqvae at w32' in section
    assert 'barlowtwins-warp at w' not in section.split('requires:')[1].split('.</p>')[0]      # 10% is enough for 1.25
    assert main(['report', '--out', str(tmp_path / 'elsewhere' / 'runs')]) == 2               # no runs, no records: an error
    assert 'no result records' in capsys.readouterr().err


def test_committed_tables_rebuild_identically(tmp_path):
    "The committed study tables are exactly what the committed records give: the tables' code changes no result."
    import shutil
    from ncvqvae.tables import write_tables
    committed = ROOT / 'outputs' / 'results'
    for sub in ('runs', 'diagnostics'): shutil.copytree(committed / sub, tmp_path / sub)
    findings = [p.relative_to(tmp_path).as_posix() for p in write_tables(tmp_path / 'runs') if p.name.startswith('findings-')]
    assert sorted(findings) == sorted(p.relative_to(committed).as_posix() for p in committed.glob('tables/findings-*.md'))
    for name in ('study_runs.csv', 'study_summary.csv', 'sample_diagnostics.csv', 'tables/study_summary.md',
                 'tables/study_summary.tex', *findings):
        assert (tmp_path / name).read_text() == (committed / name).read_text(), name


def _md_tables(lines) -> list[list[str]]:
    "The Markdown tables of `lines`: each a list of its lines, header first."
    tables, table = [], []
    for line in [*lines, '']:
        if line.startswith('|'): table.append(line)
        elif table: tables.append(table); table = []
    return tables


def test_readme_quotes_the_committed_findings():
    """Each findings table README quotes is a committed `tables/findings-*.md` table with the same header (which names
    the dataset), its rows a selection of that table's rows in their order: the README says what the records say."""
    committed = [t for p in sorted((ROOT / 'outputs' / 'results' / 'tables').glob('findings-*.md')) for t in _md_tables(p.read_text().splitlines())]
    quoted = [t for t in _md_tables((ROOT / 'README.md').read_text().splitlines()) if t[0] in {c[0] for c in committed}]
    assert len(quoted) >= 4, 'README quotes too few findings tables (the effect, both datasets, the agreement)'
    for t in quoted:
        rows_in = lambda c: (lambda it: all(row in it for row in t[1:]))(iter(c[1:]))     # a subsequence of c's rows
        assert any(c[0] == t[0] and rows_in(c) for c in committed), \
            f'README table {t[0]!r} is not the committed one: copy it again from outputs/results/tables/findings-*.md'


# The cluster path on a real Slurm: a one-node cluster from `.ci/slurm-up` (which installs slurm-wlm and munge with
# apt-get where they are missing), the sweep's jobs submitted with sbatch, requeued, timed out, failed and cancelled.

SLURM_DIR = Path(os.environ.get('NCVQVAE_SLURM_DIR', '/tmp/ncvqvae-slurm'))
SLURM_RUN = ['-p', 'proj_hidden=64', '-p', 'proj_dim=64', '-p', 'prior_width=64', '-p', 'prior_layers=1',
             '-p', 'n_samples_per_class=1', '-p', 'evaluate=False', '-p', 'device=cpu']
ON_SLURM = ['--executor', 'slurm', '--cluster', 'slurm', '--gpus', '0', '--cpus', '1', '--poll-s', '2', '--no-progress']


def _pid_alive(pid_file: Path) -> bool:
    try: os.kill(int(pid_file.read_text()), 0); return True
    except (OSError, ValueError): return False


@pytest.fixture(scope='module')
def slurm():
    """A one-node Slurm cluster: the one `.ci/run` started, or one started here and stopped (by its pid files) after."""
    started_here = not _pid_alive(SLURM_DIR / 'slurmctld.pid')
    if started_here:
        import shutil
        if not shutil.which('slurmctld') and not shutil.which('apt-get'):
            pytest.skip('no Slurm here and no apt-get to install it (.ci/slurm-up needs Debian/Ubuntu)')
        if os.geteuid() != 0: pytest.skip('.ci/slurm-up starts the daemons as root')
    up = subprocess.run(['bash', str(ROOT / '.ci' / 'slurm-up')], capture_output=True, text=True,
                        env={**os.environ, 'NCVQVAE_SLURM_DIR': str(SLURM_DIR)}, timeout=600)
    assert up.returncode == 0, up.stderr[-3000:]
    old = os.environ.get('SLURM_CONF')
    os.environ['SLURM_CONF'] = up.stdout.strip().rpartition('=')[2]
    try: yield os.environ['SLURM_CONF']
    finally:
        if old is None: os.environ.pop('SLURM_CONF', None)
        else: os.environ['SLURM_CONF'] = old
        if started_here:
            subprocess.run(['bash', str(ROOT / '.ci' / 'slurm-down')], env={**os.environ, 'NCVQVAE_SLURM_DIR': str(SLURM_DIR)})
            assert not _pid_alive(SLURM_DIR / 'slurmctld.pid')


def _slurm_job(job_id: str) -> dict:
    "The fields of `scontrol show job -o` for one job (an array task as `<array>_<task>`)."
    out = subprocess.run(['scontrol', 'show', 'job', '-o', str(job_id)], capture_output=True, text=True).stdout
    return dict(kv.split('=', 1) for kv in out.split() if '=' in kv)


def _wait_for(what: str, check, timeout: float = 300, every: float = 0.5, release=()):
    """Poll `check()` until it is truthy; meanwhile release requeued jobs among `release` from Slurm's requeue hold (a
    requeued job waits 2 minutes before it may start again; the scheduler is not what these tests are about)."""
    deadline = time.time() + timeout
    while not (value := check()):
        for job_id in release:
            f = _slurm_job(job_id)
            if f.get('JobState') == 'PENDING' and f.get('Reason') == 'BeginTime':
                subprocess.run(['scontrol', 'update', f'jobid={job_id}', 'StartTime=now'], capture_output=True)
        assert time.time() < deadline, f'{what}: not within {timeout} s'
        time.sleep(every)
    return value


def _job_of(run_dir: Path) -> str:
    return json.loads((run_dir / 'slurm_job.json').read_text())['job_id']


def _same_run_records(a: Path, b: Path):
    "Two run folders hold the same training: every epoch's losses and metrics, and the summaries (times aside)."
    from ncvqvae.core import read_json, read_jsonl
    untimed = lambda r: {k: v for k, v in r.items() if 'seconds' not in k}
    for name in ('metrics.jsonl', 'metrics_stage2.jsonl'):
        ra, rb = read_jsonl(a / name), read_jsonl(b / name)
        assert ra and [untimed(r) for r in ra] == [untimed(r) for r in rb], (a, name)
    for name in ('summary_stage1.json', 'summary_stage2.json'):
        assert untimed(read_json(a / name)) == untimed(read_json(b / name)), (a, name)


def test_slurm_sweep_matches_local(tmp_path, slurm, capsys):
    """`ncvqvae sweep --executor slurm`: 4 runs as one job array, 2 at a time, to the same records as the local executor."""
    from ncvqvae.cli import main
    from ncvqvae.core import read_jsonl
    ucr = _tiny_ucr(tmp_path / 'ucr', 'TinyA')
    grid = ['--datasets', 'TinyA', '--configs', 'vqvae,barlowtwins-gauss', '--seeds', '1,2', *SLURM_RUN,
            '-p', 'stage1_epochs=2', '-p', 'stage2_epochs=2', '-p', f'data_dir={ucr}']
    assert main(['sweep', *grid, '--out', str(tmp_path / 'local'), '--workers', '2', '--threads', '1', '--no-progress']) == 0
    assert main(['sweep', *grid, '--out', str(tmp_path / 'slurm'), *ON_SLURM, '--array-parallelism', '2']) == 0
    local, on_slurm = _sweep_state(tmp_path / 'local', [*grid, '--out', tmp_path / 'local']), _sweep_state(tmp_path / 'slurm', [*grid, '--out', tmp_path / 'slurm'])
    assert local[1] == on_slurm[1] == ['done'] * 4
    for a, b in zip(local[0], on_slurm[0]): _same_run_records(a.dir, b.dir)
    array = {_job_of(s.dir).partition('_')[0] for s in on_slurm[0]}
    assert len(array) == 1                                                            # one array, four tasks
    script = (tmp_path / 'slurm' / 'slurm_logs' / array.pop()).glob('*_submission.sh')
    assert '#SBATCH --array=0-3%2' in next(script).read_text()
    recs = read_jsonl(tmp_path / 'slurm' / 'sweep.jsonl')
    spans = [(r['time'] - r['wall_seconds'], r['time']) for r in recs]
    assert max(sum(s < t <= e for s, e in spans) for t, _ in spans) <= 2           # never more than 2 at once
    assert {r['threads'] for r in recs} == {'1'} and all(r['job_id'] for r in recs)
    capsys.readouterr()
    assert main(['status', *grid, '--out', str(tmp_path / 'slurm')]) == 0
    assert '4 done, 0 running, 0 failed, 0 missing (of 4)' in capsys.readouterr().out


SLURM_LONG = ['-p', 'stage1_epochs=400', '-p', 'stage2_epochs=150', '-p', 'ckpt_every=10']   # ~70 s at one thread


def _resumed_at(run_dir: Path) -> list[tuple[int, int]]:
    "The epoch bars of a run's executed notebook that started part-way, from a checkpoint: [(done before, total)]."
    import re
    nb = json.loads((run_dir / 'train.ipynb').read_text())
    text = ''.join(''.join(o.get('text', '')) for c in nb['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', []))
    return [(int(k), int(n)) for k, n in re.findall(r'\|\s*(\d+)/(\d+) \[00:00<\?', text) if 0 < int(k) < int(n)]


def _freeze_kernel(job_id: str) -> int:
    """Stop (SIGSTOP) the notebook kernel of a running job, so that its training waits where it is until Slurm ends the
    job, however fast this machine trains; the job's own process (submitit's, which handles Slurm's signals) runs on."""
    import signal
    out = subprocess.run(['scontrol', 'listpids', job_id], capture_output=True, text=True).stdout
    kernels = []
    for pid in (int(f[0]) for f in map(str.split, out.splitlines()) if f and f[0].isdigit()):
        try: cmd = Path(f'/proc/{pid}/cmdline').read_bytes()
        except OSError: continue
        if b'ipykernel' in cmd: os.kill(pid, signal.SIGSTOP); kernels.append(pid)
    return len(kernels)


def _seconds(slurm_time: str) -> int:
    "Slurm's [days-]hh:mm:ss (or mm:ss) as seconds."
    days, _, hms = slurm_time.rpartition('-')
    parts = [int(x) for x in hms.split(':')]
    while len(parts) < 3: parts.insert(0, 0)
    return int(days or 0) * 86400 + parts[0] * 3600 + parts[1] * 60 + parts[2]


def test_slurm_requeue_and_time_limit_resume(tmp_path, slurm, capsys):
    """A job requeued mid-run (`scontrol requeue`) and a job that reaches its time limit (Slurm's USR2 before it:
    submitit checkpoints and requeues the job) both resume the run from its checkpoints, to the uninterrupted result."""
    from ncvqvae.cli import main
    from ncvqvae.core import read_jsonl
    ucr = _tiny_ucr(tmp_path / 'ucr', 'TinyA')
    grid = lambda seed, out: ['--datasets', 'TinyA', '--configs', 'vqvae', '--seeds', str(seed), *SLURM_RUN, *SLURM_LONG,
                              '-p', f'data_dir={ucr}', '--out', str(tmp_path / out)]
    assert main(['sweep', *grid(1, 'slurm'), *ON_SLURM, '--no-wait', '--time-min', '10']) == 0        # to be requeued
    assert main(['sweep', *grid(2, 'slurm'), *ON_SLURM, '--no-wait', '--time-min', '10', '--signal-delay-s', '90']) == 0
    (a,), (b,) = _sweep_state(None, grid(1, 'slurm'))[0], _sweep_state(None, grid(2, 'slurm'))[0]
    ja, jb = _job_of(a.dir), _job_of(b.dir)
    done = set()                         # each run is acted on as soon as it has a checkpoint (ckpt_every=10: epoch 20's)
    def act():
        for run, action in ((a, 'requeue'), (b, 'freeze')):
            if action not in done and len(read_jsonl(run.dir / 'metrics.jsonl')) >= 25:
                if action == 'requeue': assert subprocess.run(['scontrol', 'requeue', ja], capture_output=True).returncode == 0
                else: assert _freeze_kernel(jb) == 1        # run 2 stays mid-training whatever the speed of this machine
                done.add(action)
        return len(done) == 2
    _wait_for('both runs have a checkpoint', act, timeout=240, every=0.2)
    left = _seconds(_slurm_job(jb)['RunTime']) + 80                     # 80 s to its time limit: inside the 90 s signal
    assert subprocess.run(['scontrol', 'update', f'jobid={jb}', f'TimeLimit={left // 60}:{left % 60:02d}'],
                          capture_output=True).returncode == 0          # window, so Slurm sends USR2 at its next check
    _wait_for('run 2 timed out and requeued', lambda: int(_slurm_job(jb).get('Restarts', 0)) >= 1, timeout=240)
    assert subprocess.run(['scontrol', 'update', f'jobid={jb}', 'TimeLimit=10'], capture_output=True).returncode == 0
    # (the lowered limit holds for every attempt: left there, each would time out again ~30 s in and the last one
    # could find the run finished, with no resumed attempt left to see)
    statuses = lambda seed: _sweep_state(None, grid(seed, 'slurm'))[1]
    _wait_for('both runs done', lambda: statuses(1) == statuses(2) == ['done'], timeout=600, every=1, release=(ja, jb))
    assert int(_slurm_job(ja)['Restarts']) >= 1 and int(_slurm_job(jb)['Restarts']) >= 1      # each ran more than once
    log_b = Path(json.loads((b.dir / 'slurm_job.json').read_text())['stderr']).read_text()
    assert 'Caught signal SIGUSR2' in log_b and 'this job is timed-out' in log_b, log_b[-2000:]
    assert _resumed_at(a.dir)[0][0] >= 20 and _resumed_at(b.dir)[0][0] >= 20, (_resumed_at(a.dir), _resumed_at(b.dir))
    both = ['--datasets', 'TinyA', '--configs', 'vqvae', '--seeds', '1,2', *SLURM_RUN, *SLURM_LONG, '-p', f'data_dir={ucr}']
    assert main(['sweep', *both, '--out', str(tmp_path / 'local'), '--workers', '2', '--threads', '1', '--no-progress']) == 0
    _same_run_records(a.dir, tmp_path / 'local' / 'TinyA' / 'vqvae' / 'seed1')
    _same_run_records(b.dir, tmp_path / 'local' / 'TinyA' / 'vqvae' / 'seed2')
    said = [r['status'] for r in read_jsonl(tmp_path / 'slurm' / 'sweep.jsonl')]
    assert said.count('done') == 2 and 'failed' not in said, said           # a requeued attempt stopped, it did not fail


def test_slurm_failed_and_cancelled_then_retried(tmp_path, slurm, capsys):
    """A run that fails in its job (a dataset without its TEST split) and a job cancelled with `scancel` show as failed in
    `ncvqvae status`, with the job's state and log, as Slurm reports them; `--retry-failed` reruns both."""
    from ncvqvae.cli import main
    ucr = _tiny_ucr(tmp_path / 'ucr', 'TinyA')
    _tiny_ucr(ucr, 'TinyB', test_split=False)
    grid = ['--datasets', 'TinyA,TinyB', '--configs', 'vqvae', '--seeds', '1', *SLURM_RUN, '-p', 'stage1_epochs=100', '-p', 'stage2_epochs=50',
            '-p', f'data_dir={ucr}', '--out', str(tmp_path / 'runs')]
    status = lambda: (capsys.readouterr(), main(['status', *grid]), capsys.readouterr().out)[2]
    assert main(['sweep', *grid, *ON_SLURM, '--partition', 'nosuch']) == 2                  # sbatch says no: one line
    err = capsys.readouterr().err
    assert 'sbatch refused the jobs' in err and 'invalid partition' in err.lower() and 'Traceback' not in err, err
    assert not list((tmp_path / 'runs').rglob('slurm_job.json'))
    assert main(['sweep', *grid, *ON_SLURM, '--no-wait', '--slurm-opt', 'hold']) == 0   # held: queued, not started
    specs = _sweep_state(None, grid)[0]
    ja = _job_of(specs[0].dir)
    out = status()
    assert f'slurm job {ja} PENDING' in out and '0 done, 2 running, 0 failed, 0 missing (of 2)' in out, out
    assert main(['sweep', *grid, *ON_SLURM]) == 0 and '0 to run' in capsys.readouterr().out    # not submitted twice
    subprocess.run(['scontrol', 'release', ja.partition('_')[0]], check=True, capture_output=True)
    _wait_for('TinyA trains', lambda: (specs[0].dir / 'metrics.jsonl').exists(), timeout=240)
    subprocess.run(['scancel', ja], check=True)
    out = _wait_for('both runs failed', lambda: (lambda o: o if '0 done, 0 running, 2 failed' in o else None)(status()), timeout=120)
    lines = {l.split()[0]: l for l in out.splitlines() if l.startswith('Tiny')}
    assert f'slurm job {ja} CANCELLED' in lines['TinyA'] and 'missing split file' in lines['TinyB'], out
    for name, line in lines.items():
        log = Path(line.rpartition('log ')[2].strip())
        assert log.is_file() and log.parent.parent == tmp_path / 'runs' / 'slurm_logs', line
    assert 'CANCELLED' in Path(lines['TinyA'].rpartition('log ')[2].strip()).read_text()
    assert main(['sweep', *grid, *ON_SLURM]) == 0 and '0 to run' in capsys.readouterr().out    # failed: left alone
    _tiny_ucr(ucr, 'TinyB')                                                                      # the cause is fixed
    assert main(['sweep', *grid, *ON_SLURM, '--retry-failed']) == 0
    assert '2 done, 0 running, 0 failed, 0 missing (of 2)' in status()
