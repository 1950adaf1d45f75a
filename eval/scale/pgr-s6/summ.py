import sys, re
# one line per plan: root node, its buffers (first Buffers line), execution time
lines = open(sys.argv[1]).read().split('\n')
i = 0; out = []
while i < len(lines):
    if 'QUERY PLAN' in lines[i]:
        root = lines[i+2].strip()[:70]; buf = ''; ex = ''
        j = i+3
        while j < len(lines) and 'Execution Time' not in lines[j]:
            if not buf and 'Buffers:' in lines[j]: buf = lines[j].strip()
            j += 1
        if j < len(lines): ex = lines[j].strip()
        out.append(f"{root} | {buf} | {ex}")
        i = j
    i += 1
print('\n'.join(out))
