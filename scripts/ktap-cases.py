#!/usr/bin/env python3
# One "PASS|FAIL|SKIP NAME [(why)]" line per leaf KUnit case of a console
# log (timestamps stripped), parameters included (suite.case.param), as the
# kernel's own parser sees them:
#
#   kunit.py parse --json=LOG.json LOG   (its report is kept in LOG.parsed)
#
# Its JSON lists the leaves; a case the plan announced but that never
# reported is an ERROR leaf with no name: FAIL "suite.#N". The JSON has no
# status for a suite or a parameterised case, so one whose own result line
# never came (the kernel died in it) is taken from the parser's "[ERROR]
# Test: NAME: missing subtest result line!" and fails as NAME. Prints nothing
# when the log holds no KTAP; the caller decides whether that is a failure.
#
# usage: ktap-cases.py SRC LOG        (SRC: the kernel tree with kunit.py)
#        ktap-cases.py --selftest SRC (crafted logs against that kunit.py)
import json
import os
import re
import subprocess
import sys
import tempfile

ERROR = re.compile(r'\[ERROR\] Test: (.*): ([^:]*)$')
# Errors the JSON already shows as a leaf (an unnamed ERROR, a FAIL).
IN_JSON = ('missing expected subtest!', '0 tests run!')
STATUS = {'PASS': 'PASS', 'SKIP': 'SKIP'}


def parse(src, log):
    kunit = os.path.join(os.path.abspath(src), 'tools/testing/kunit/kunit.py')
    log = os.path.abspath(log)
    base = os.path.splitext(log)[0]
    js = base + '.json'
    if os.path.exists(js):
        os.unlink(js)
    # kunit.py changes to the tree's root: absolute paths only.
    out = subprocess.run([sys.executable, kunit, 'parse', '--json=' + js, log],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True).stdout
    with open(base + '.parsed', 'w') as f:
        f.write(out)
    if not os.path.exists(js):
        sys.exit('ktap-cases: kunit.py wrote no JSON:\n' + out)
    with open(js) as f:
        top = json.load(f)

    results, groups = [], {}

    def walk(group, path):
        cases = group['test_cases']
        reported = len([c for c in cases if c['name']]) + len(group['sub_groups'])
        missing = 0
        for c in cases:
            if c['name']:
                name = path + [c['name']]
                why = '' if c['status'] != 'ERROR' else 'crashed'
            else:
                missing += 1
                name = path + ['#%d' % (reported + missing)]
                why = 'announced by the plan, never reported'
            results.append((STATUS.get(c['status'], 'FAIL'), name, why))
        for g in group['sub_groups']:
            groups.setdefault(g['name'], []).append(path + [g['name']])
            walk(g, path + [g['name']])

    walk(top, [])
    for line in out.splitlines():
        m = ERROR.search(line)
        # "<missing>": no KTAP at all, left to the caller.
        if m and m.group(2) not in IN_JSON and m.group(1) != '<missing>':
            for name in groups.get(m.group(1), [[m.group(1) or 'kunit']]):
                results.append(('FAIL', name, m.group(2)))
    return [(st, '.'.join(n).replace(' ', '_'), why) for st, n, why in results]


def show(results):
    return ''.join('%s %s%s\n' % (st, n, ' (%s)' % why if why else '') for st, n, why in results)


# Crafted console logs and the lines they must give.
SELFTEST = {
    'normal': ('''[    1.000000] KTAP version 1
[    1.000001] 1..2
[    1.000002]     KTAP version 1
[    1.000003]     # Subtest: suite_a
[    1.000004]     # module: foo
[    1.000005]     1..3
[    1.000006]     ok 1 case_one
[    1.000007]         KTAP version 1
[    1.000008]         # Subtest: case_param
[    1.000009]         ok 1 p 0
[    1.000010]         ok 2 p1 # SKIP not here
[    1.000011]     # case_param: pass:1 fail:0 skip:1 total:2
[    1.000012]     ok 2 case_param
[    1.000013]     not ok 3 case_three
[    1.000014] # suite_a: pass:1 fail:1 skip:0 total:3
[    1.000015] # Totals: pass:2 fail:1 skip:1 total:4
[    1.000016] not ok 1 suite_a
[    1.000017]     KTAP version 1
[    1.000018]     # Subtest: suite_b
[    1.000019]     1..1
[    1.000020]     ok 1 b_case # SKIP no hw
[    1.000021] ok 2 suite_b # SKIP
[    1.500000] Run /init as init process
[    1.600000] ok: not a KTAP line
''', '''PASS suite_a.case_one
FAIL suite_a.case_three
PASS suite_a.case_param.p_0
SKIP suite_a.case_param.p1
SKIP suite_b.b_case
'''),
    # The kernel died in the second case: suite_a's cases 2 and 3, its
    # result line and suite_b never came.
    'crash-mid-suite': ('''[    1.000000] KTAP version 1
[    1.000001] 1..2
[    1.000002]     KTAP version 1
[    1.000003]     # Subtest: suite_a
[    1.000005]     1..3
[    1.000006]     ok 1 case_one
[    1.000011] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000
[    1.000012] Internal error: Oops: 0000000096000004 [#1] SMP
''', '''FAIL #2 (announced by the plan, never reported)
PASS suite_a.case_one
FAIL suite_a.#2 (announced by the plan, never reported)
FAIL suite_a.#3 (announced by the plan, never reported)
FAIL suite_a (missing subtest result line!)
'''),
    # Died in the last parameter of the last case: every result printed
    # passed, only the missing result lines tell.
    'crash-last-param': ('''[    1.000000] KTAP version 1
[    1.000001] 1..1
[    1.000002]     KTAP version 1
[    1.000003]     # Subtest: suite_b
[    1.000004]     1..2
[    1.000005]     ok 1 b_case
[    1.000006]         KTAP version 1
[    1.000007]         # Subtest: b_param
[    1.000008]         ok 1 p0
[    1.000009]         ok 2 p1
''', '''PASS suite_b.b_case
PASS suite_b.b_param.p0
PASS suite_b.b_param.p1
FAIL suite_b.b_param (missing subtest result line!)
FAIL suite_b (missing subtest result line!)
'''),
    'plan-5-results-3': ('''[    1.000000] KTAP version 1
[    1.000001] 1..1
[    1.000002]     KTAP version 1
[    1.000003]     # Subtest: suite_p
[    1.000004]     1..5
[    1.000005]     ok 1 c1
[    1.000006]     ok 2 c2
[    1.000007]     not ok 3 c3
[    1.000008] not ok 1 suite_p
''', '''PASS suite_p.c1
PASS suite_p.c2
FAIL suite_p.c3
FAIL suite_p.#4 (announced by the plan, never reported)
FAIL suite_p.#5 (announced by the plan, never reported)
'''),
    'no-ktap': ('''[    1.000000] Run /init as init process
''', ''),
}


def selftest(src):
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        for name, (log, want) in SELFTEST.items():
            path = os.path.join(d, name + '.log')
            with open(path, 'w') as f:
                f.write(re.sub(r'(?m)^\[[ 0-9.]*\] ', '', log))
            got = show(parse(src, path))
            if got != want:
                bad += 1
                print('ktap-selftest: %s: got\n%swant\n%s' % (name, got, want))
    print('ktap-selftest: %d/%d crafted logs parsed as expected' % (len(SELFTEST) - bad, len(SELFTEST)))
    return bad


if __name__ == '__main__':
    if sys.argv[1] == '--selftest':
        sys.exit(1 if selftest(sys.argv[2]) else 0)
    sys.stdout.write(show(parse(sys.argv[1], sys.argv[2])))
