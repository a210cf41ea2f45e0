#!/usr/bin/env python3
"""Judge a scenario's SMMU events, read from QEMU's own trace.

usage: smmu-events.py EVENTS CONSOLE [none | expected | outside START END]

EVENTS is QEMU's log of "-trace smmuv3_record_event -d guest_errors": one
"smmuv3_record_event TYPE sid=..." line per event the emulated SMMUv3
records and, for a failed translation, a guest-error line before it with
the IOVA ("... translation failed for iova=0x... (TYPE)"); nothing there
is rate-limited. CONSOLE is the guest's console log. Translation-class
events (F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION: 0x10-0x13) are
faults; each must have its IOVA line (else the trace is malformed):

  none (default)      no fault at all;
  expected            every fault hits the page of an IOVA the guest
                      announced with "EXPECT-FAULT-IOVA 0x..." and every
                      announced IOVA got at least one fault (which also
                      proves that the trace is live);
  outside START END   no fault in [START, END).

Prints a one-line summary; exits 1 when the rule is broken, 2 on a
malformed trace line.
"""
import re
import sys

FAULTS = {"F_TRANSLATION", "F_ADDR_SIZE", "F_ACCESS", "F_PERMISSION"}
RECORD = re.compile(r"^smmuv3_record_event (?:SMMU_EVT_)?(?P<type>[A-Z_0-9]+) sid=0x[0-9a-f]+")
FAILED = re.compile(r"translation failed for iova=0x(?P<addr>[0-9a-fA-F]+) \((?:SMMU_EVT_)?(?P<type>[A-Z_0-9]+)\)")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    rule = argv[3:] or ["none"]
    events, addrs = [], []
    with open(argv[1], errors="replace") as f:
        for line in f:
            m = FAILED.search(line)
            if m:
                addrs.append((m.group("type"), int(m.group("addr"), 16)))
                continue
            if "smmuv3_record_event" not in line:
                continue
            m = RECORD.search(line)
            if not m:
                print("malformed trace line: %r" % line.strip())
                return 2
            events.append(m.group("type"))
    recorded = [t for t in events if t in FAULTS]
    faults = [(t, a) for t, a in addrs if t in FAULTS]
    if sorted(recorded) != sorted(t for t, _ in faults):
        print("trace: %d fault event(s) recorded, but %d with an IOVA line" % (len(recorded), len(faults)))
        return 2
    others = len(events) - len(recorded)
    summary = "%d SMMU fault(s), %d other event(s)" % (len(faults), others)
    if rule[0] == "none":
        if faults:
            print("%s, want none: %s" % (summary, describe(faults)))
            return 1
    elif rule[0] == "expected":
        want = set()
        with open(argv[2], errors="replace") as f:
            for line in f:
                m = re.match(r"EXPECT-FAULT-IOVA (0x[0-9a-fA-F]+)", line)
                if m:
                    want.add(int(m.group(1), 16) >> 12)
        stray = [(t, a) for t, a in faults if a >> 12 not in want]
        missing = [p for p in sorted(want) if not any(a >> 12 == p for _, a in faults)]
        if stray or missing:
            print("%s; %s%s" % (summary,
                                "outside the announced pages: %s" % describe(stray) if stray else "",
                                "%sno fault on announced page(s) %s" % ("; " if stray else "",
                                    " ".join(hex(p << 12) for p in missing)) if missing else ""))
            return 1
        summary += ", all on the %d announced page(s)" % len(want)
    elif rule[0] == "outside" and len(rule) == 3:
        lo, hi = int(rule[1], 0), int(rule[2], 0)
        inside = [(t, a) for t, a in faults if lo <= a < hi]
        if inside:
            print("%s, %d in [%#x, %#x): %s" % (summary, len(inside), lo, hi, describe(inside)))
            return 1
        summary += ", none in [%#x, %#x)" % (lo, hi)
    else:
        print("unknown rule '#@ smmu-faults: %s'" % " ".join(rule))
        return 2
    print(summary)
    return 0


def describe(faults):
    seen = {}
    for t, a in faults:
        seen.setdefault((t, a), 0)
        seen[(t, a)] += 1
    return ", ".join("%s %#x%s" % (t, a, " x%d" % n if n > 1 else "")
                     for (t, a), n in list(seen.items())[:6]) + (" ..." if len(seen) > 6 else "")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
