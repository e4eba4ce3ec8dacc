"""The test suite: every library notebook through nbdev's own runner, plus the workspace checks
(papermill notebooks, JupyterLab) that a notebook cannot run on itself. Run: `pytest nbs`."""
import json, os, secrets, signal, socket, subprocess, sys, time, urllib.error, urllib.request
from pathlib import Path

import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook_tests

NBS = Path(__file__).resolve().parent
ROOT = NBS.parent
SHARED_UCR = ROOT.parent / 'shared' / 'UCRArchive_2018'
os.environ.pop('MPLBACKEND', None)   # papermill kernels must use the inline backend to keep their figures
LIBRARY_NBS = sorted(NBS.glob('[0-9]*.ipynb')) + [NBS / 'index.ipynb']


@pytest.mark.parametrize('nb', LIBRARY_NBS, ids=lambda p: p.stem)
def test_notebook(nb):
    "Run a library notebook as `nbdev_test` does (cells flagged `#| slow` are skipped)."
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
               probe_every=2, ckpt_every=1, n_samples_per_class=2)
    name = 'vqvae' if ssl_method == 'none' else f'{ssl_method}-gauss'
    run = tmp_path / 'runs' / 'SyntheticCBF' / name / 'seed1'
    for f in ('config.json', 'metrics.jsonl', 'stage1.pt', 'summary_stage1.json', 'reconstructions.png',
              'metrics_stage2.jsonl', 'stage2.pt', 'summary_stage2.json', 'samples_per_class.png', 'samples_unconditional.png'):
        assert (run / f).exists(), f
    summary = json.loads((run / 'summary_stage1.json').read_text())
    assert 0 <= summary['svm'] <= 1 and summary['test_mse'] > 0


def test_train_notebook_rejects_bad_parameter(tmp_path):
    import papermill as pm
    with pytest.raises(pm.PapermillExecutionError, match="'barlowtwins'"):
        _papermill(NBS / 'train.ipynb', tmp_path / 'bad.ipynb', ssl_method='barlow', stage1_epochs=1,
                   out_dir=str(tmp_path / 'runs'))
    assert not (tmp_path / 'runs').exists()


def test_explore_reconstructions(tmp_path):
    "The reconstructions notebook compares a baseline and an NC-VQVAE run (trained tiny here)."
    from ncvqvae.data import load_ucr
    from ncvqvae.stage1 import Stage1Config, TrainConfig, train_stage1
    ds = load_ucr('SyntheticCBF')
    for method, name in (('none', 'vqvae'), ('barlowtwins', 'barlowtwins-warp')):
        train_stage1(Stage1Config(length=ds.length, ssl_method=method, proj_hidden=64, proj_dim=64),
                     TrainConfig(epochs=2, batch_size=16, device='cpu', probe_every=2),
                     ds, tmp_path / 'runs' / 'SyntheticCBF' / name / 'seed1', progress=False)
    nb = _papermill(NBS / 'explore' / 'reconstructions.ipynb', tmp_path / 'rec.ipynb',
                    runs_dir=str(tmp_path / 'runs'), max_tsne=200)
    assert json.dumps(nb['cells']).count('image/png') >= 4
