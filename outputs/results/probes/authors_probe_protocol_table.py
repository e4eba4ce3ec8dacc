"""Turn the JSON lines of `authors_probe_protocol_run.py` into `authors_probe_protocol.csv` (one row per dataset,
mode, seed and probed epoch) and print the summary table of the README.
Usage: python authors_probe_protocol_table.py OUT1.jsonl [OUT2.jsonl ...]"""
import json, sys
from pathlib import Path
import pandas as pd

rows = []
for f in sys.argv[1:]:
    for line in open(f):
        r = json.loads(line)
        row = {'preset': r.get('preset', 'authors'), **{k: r[k] for k in ('dataset', 'mode', 'seed', 'epoch')}}
        for who in ('ours', 'theirs', 'ours_after'):
            for probe in ('svm', 'knn'): row[f'{who}_{probe}'] = round(r[who][probe], 4) if who in r else None
        rows.append(row)
df = pd.DataFrame(rows).sort_values(['preset', 'dataset', 'mode', 'seed', 'epoch'])
df.to_csv(Path(__file__).with_name('authors_probe_protocol.csv'), index=False)

end = df[df.epoch == df.epoch.max()]
cols = ['ours_svm', 'ours_knn', 'theirs_svm', 'theirs_knn']
agg = end.groupby(['preset', 'dataset', 'mode'])[cols].agg(['mean', 'std', 'count'])
print('| preset | dataset | mode | seeds | eval-mode SVM | eval-mode KNN | their probe SVM | their probe KNN |')
print('|---|---|---|---|---|---|---|---|')
for (preset, ds, mode), a in agg.iterrows():
    cell = lambda c: f"{100 * a[(c, 'mean')]:.1f} ± {100 * a[(c, 'std')]:.1f}"
    print(f"| {preset} | {ds} | {mode} | {int(a[('ours_svm', 'count')])} | " + ' | '.join(cell(c) for c in cols) + ' |')
