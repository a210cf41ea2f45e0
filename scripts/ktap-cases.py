#!/usr/bin/env python3
# Print "PASS|FAIL|SKIP suite.case[.param]" for every leaf test of a KTAP log
# (kernel console with timestamps stripped). A suite or a parameterised case
# is a "# Subtest: NAME" header whose children are indented one level deeper
# than the result line that closes it; only leaves are printed.
import re
import sys

RESULT = re.compile(r'^(\s*)(not ok|ok) \d+ (.*?)(?:\s+#\s*(SKIP)\b.*)?\s*$')
SUBTEST = re.compile(r'^(\s*)#\s*Subtest:\s*(\S+)')


def main(path):
    stack = []  # [indent of children, name]
    for line in open(path, errors='replace').read().splitlines():
        m = SUBTEST.match(line)
        if m:
            stack.append([len(m.group(1)), m.group(2), False])
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent, ok, name, skip = len(m.group(1)), m.group(2) == 'ok', m.group(3), m.group(4)
        if stack and stack[-1][0] > indent:
            # Closes a subtest: unwind to it. It is not a leaf, unless it
            # failed before running any case (then it counts as one).
            while stack and stack[-1][0] > indent:
                closed = stack.pop()
            if closed[2] or ok:
                continue
        for s in stack:
            s[2] = True
        prefix = [s[1] for s in stack]
        status = 'SKIP' if skip else ('PASS' if ok else 'FAIL')
        print(status, '.'.join(prefix + [name]).replace(' ', '_'))


main(sys.argv[1])
