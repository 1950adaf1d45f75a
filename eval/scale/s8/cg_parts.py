#!/usr/bin/env python3
"""Sum callgrind inclusive counts per function over the threads of one
`valgrind --tool=callgrind --separate-threads=yes lantern ingest` run.
usage: cg_parts.py OUT_PREFIX   (reads OUT_PREFIX-01 .. -NN; session 8, branch xcpu)"""
import glob, re, subprocess, sys
pre = sys.argv[1]
# "file:function" as callgrind_annotate names a function's own lines (inlined code is
# named by its own file, so a function may have several lines; this one is its total)
want = {
    'whole run': None,
    'extract': 'src/lib.rs:lantern_extract::extract',
    'gazetteer find_mentions': 'src/gazetteer.rs:lantern_extract::gazetteer::Gazetteer::find_mentions',
    'cue scan': 'src/cues.rs:lantern_extract::cues::Lexicon::scan',
    'one-time builds (OnceLock)': 'atomic.rs:std::sync::once_lock::OnceLock<T>::initialize',
    'gazetteer build': 'src/gazetteer.rs:lantern_extract::gazetteer::Gazetteer::from_tsv',
    'parse_file_hashed': 'src/lib.rs:lantern_ingest::parse_file_hashed',
    'PreparedFile::new': 'src/prepared.rs:lantern_store::prepared::PreparedFile::new',
    'write_files (writer)': 'src/sqlite.rs:lantern_store::sqlite::SqliteStore::write_files',
}
tot = {k: 0 for k in want}
workers = {k: 0 for k in want}
for f in sorted(glob.glob(pre + '-*')):
    out = subprocess.run(['callgrind_annotate', '--inclusive=yes', f], capture_output=True, text=True).stdout
    worker = 'src/lib.rs:lantern_extract::extract' in out
    seen = set()
    for line in out.splitlines():
        m = re.match(r'\s*([\d,]+) \([ \d.]+%\)\s+(.*)$', line)
        if not m:
            continue
        n = int(m.group(1).replace(',', ''))
        name = re.sub(r' \[[^\]]*\]$', '', m.group(2))
        for k, pat in want.items():
            hit = name == 'PROGRAM TOTALS' if pat is None else name.endswith(pat)
            if k not in seen and hit:
                seen.add(k)
                tot[k] += n
                if worker:
                    workers[k] += n
for k in want:
    print(f'{k:32s} {tot[k]/1e6:10.1f} M   (worker threads {workers[k]/1e6:10.1f} M)')
