#!/usr/bin/env python3
"""Sum callgrind inclusive counts per function over the threads of one
`valgrind --tool=callgrind --separate-threads=yes lantern ingest` run.
usage: parts.py OUT_PREFIX   (reads OUT_PREFIX-01 .. -NN)"""
import glob, re, subprocess, sys
pre = sys.argv[1]
want = {
    'whole run': 'PROGRAM TOTALS',
    'extract': 'lantern_extract::extract [',
    'gazetteer find_mentions': 'Gazetteer::find_mentions [',
    'cue scan': 'Lexicon::scan [',
    'one-time builds (OnceLock)': 'OnceLock<T>::initialize [',
    'lexicon build': 'Lexicon::build [',
    'gazetteer build': 'Gazetteer::from_tsv [',
    'parse_file_hashed': 'parse_file_hashed [',
    'PreparedFile::new': 'PreparedFile::new [',
    'write_files (writer)': 'write_files [',
}
tot = {k: 0 for k in want}
workers = {k: 0 for k in want}
for f in sorted(glob.glob(pre + '-*')):
    out = subprocess.run(['callgrind_annotate', '--inclusive=yes', f], capture_output=True, text=True).stdout
    seen = set()
    for line in out.splitlines():
        m = re.match(r'\s*([\d,]+) ', line)
        if not m:
            continue
        n = int(m.group(1).replace(',', ''))
        for k, pat in want.items():
            if k not in seen and pat in line:
                seen.add(k)
                tot[k] += n
                if 'lantern_extract::extract [' in out:
                    workers[k] += n
for k in want:
    print(f'{k:32s} {tot[k]/1e6:10.1f} M   (worker threads {workers[k]/1e6:10.1f} M)')
