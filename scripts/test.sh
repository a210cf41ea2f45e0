#!/bin/bash
# Run every test: the series round trip, b4 on the series, the kconfig
# check, the KUnit suites (booted, KTAP parsed) and every QEMU scenario.
# Prints one line per result and ends with "N passed, N failed[, N
# skipped]".
#
# Every scenario boots the kernel with the series, then the unpatched base
# kernel (same test configuration, scripts/base-kernel.sh) as its control,
# as its "#@ base:" line says:
#   "#@ base: same"        the base must pass it too;
#   "#@ base: fails TAG"   the base must fail it, and its first "FAIL:" line
#                          must be the check tagged TAG ("FAIL: TAG: ..."):
#                          the behaviour the series adds, named;
#   "#@ base: none WHY"    not booted on the base (WHY says why).
# Each control is one result ("control:NAME"). BASE_IMAGE empty: no controls.
#
# usage: test.sh SRC OBJ IMAGE INITRAMFS LOGDIR [SCENARIO...]
#   BASE_IMAGE, BASE_LOGS (environment): the base kernel and its log directory
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$(realpath "$1") obj=$2 image=$3 initrd=$4 logdir=$5
shift 5
mkdir -p "$logdir"
rm -f "$logdir/timings"
pass=0 fail=0 skip=0
result() { # status name detail
	case $1 in
	PASS) pass=$((pass + 1)) ;;
	FAIL) fail=$((fail + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	esac
	printf '%-5s %s%s\n' "$1" "$2" "${3:+ $3}"
}

# 1. export + apply round trip of the series
if out=$("$top/scripts/roundtrip.sh" "$src" 2>&1); then
	result PASS series-roundtrip "($(echo "$out" | tail -1))"
else
	result FAIL series-roundtrip "$out"
fi

# 1b. b4 reads each patch set as one series, and their mboxes apply
if out=$("$top/scripts/b4check.sh" 2>&1); then
	result PASS series-b4 "($(echo "$out" | tail -1))"
else
	result FAIL series-b4 "$out"
fi

# 1b'. each patch of the fixes set applies to the base on its own
if out=$("$top/scripts/fixes-alone.sh" 2>&1); then
	result PASS series-fixes-alone "($(echo "$out" | tail -1))"
else
	result FAIL series-fixes-alone "$out"
fi

# 1c. no commit of the series leaves a legacy MSI domain (CDX) that does
# not forward doorbell reports below a parent that needs them
if out=$("$top/scripts/report-chain.sh" "$src" 2>&1); then
	result PASS series-report-chain "($(echo "$out" | tail -1))"
else
	result FAIL series-report-chain "$out"
fi

# 2. every requested kconfig option took effect (kconfig.sh ran in the build)
if out=$("$top/scripts/kconfig.sh" "$src" "$obj" $BENCH_FRAGMENTS 2>&1); then
	result PASS kconfig "($(echo "$out" | tail -1))"
else
	result FAIL kconfig "$out"
fi

# 3. The scenarios, KUnit's among them: boot with the suites enabled, parse
# the KTAP with the tree's kunit.py, count each case. Whether a kernel has
# the series is read from its tree by run-scenario.sh, never from the
# environment; a skipped scenario does not exist any more.
scenarios=("$@")
# By default every scenario, but those whose "#@ pages:" line does not name
# the kernel's page size (BENCH_PAGES, 4k unless a page-size variant).
if [ ${#scenarios[@]} = 0 ]; then
	for f in "$top"/tests/scenarios/*.guest; do
		s=$(basename "$f" .guest)
		[[ $s =~ ^(demo|bench|bench-lookup)$ ]] && continue
		p=$(sed -n 's/^#@ pages: *//p' "$f")
		[ -z "$p" ] || [[ " $p " == *" ${BENCH_PAGES:-4k} "* ]] || continue
		scenarios+=("$s")
	done
fi
declare -A series_verdict base_verdict base_rule
for s in "${scenarios[@]}"; do
	spec=$top/tests/scenarios/$s.guest
	rule=$(sed -n 's/^#@ base: *//p' "$spec" 2>/dev/null)
	case $rule in
	same | "fails "?* | "none "?*) ;;
	*) rule="invalid" ;;
	esac
	base_rule[$s]=$rule
	out=$("$top/scripts/run-scenario.sh" "$image" "$initrd" "$logdir" "$s")
	rc=$?
	if [ "$rule" = invalid ]; then
		result FAIL "scenario:$s" "($spec has no valid '#@ base: same|fails TAG|none WHY' line)"
		series_verdict[$s]=FAIL
		continue
	fi
	case $rc in
	0) result PASS "scenario:$s" "$(echo "$out" | sed -n '1s/^PASS *[^ ]* *(\(.*\))$/(\1)/p')"; series_verdict[$s]=PASS ;;
	*) result FAIL "scenario:$s" "
$out"; series_verdict[$s]=FAIL ;;
	esac
	# Upstream selftests: one result per TAP case the guest echoed.
	case $s in
	selftest-*)
		# Each program's TAP goes through the tree's kunit.py parse, as
		# KUnit's KTAP does (ktap-cases.py): a crashed program or a case
		# its plan announced but never reported fails.
		for prog in $(sed -n 's/^SELFTEST \([^ ]*\) .*/\1/p' "$logdir/$s.log" | sort -u); do
			sed -n "s/^SELFTEST $prog //p" "$logdir/$s.log" >"$logdir/$s.$prog.tap"
			cases=$(python3 "$top/scripts/ktap-cases.py" "$src" "$logdir/$s.$prog.tap" 2>&1) ||
				cases="FAIL $prog (ktap-cases.py failed: $(echo "$cases" | tail -1))"
			[ -n "$cases" ] || cases="FAIL $prog (no TAP)"
			while read -r st name why; do
				result "$st" "selftest:$prog.$name" "$why"
			done < <(echo "$cases" | grep .)
		done
		# Cases the scenario excludes (they fail on the base too) are
		# listed by name, not counted as skips.
		sed -n 's/^SELFTEST-EXCLUDED \([^ ]*\) \([^ ]*\) \(.*\)$/EXCLUDED selftest:\1.\2 (\3)/p' "$logdir/$s.log"
		;;
	esac
	if [ "$s" = kunit ] && [ -f "$logdir/kunit.log" ]; then
		# The parser itself, on crafted logs: a crashed suite, a short plan.
		if out=$(python3 "$top/scripts/ktap-cases.py" --selftest "$src" 2>&1); then
			result PASS ktap-selftest "($(echo "$out" | tail -1 | sed 's/^ktap-selftest: //'))"
		else
			result FAIL ktap-selftest "
$out"
		fi
		# One result per leaf case (parameterised cases count each
		# parameter); crashed and never-reported cases fail. The cases
		# are those run-scenario.sh parsed from the KTAP for its verdict.
		cases=$(cat "$logdir/kunit.cases" 2>/dev/null) ||
			cases="FAIL kunit (run-scenario.sh left no $logdir/kunit.cases)"
		while read -r st name why; do
			result "$st" "kunit:$name" "$why"
		done < <(echo "$cases" | grep .)
		# Every suite the scenario expects ("#@ kunit-suites:") must have
		# reported cases: one that did not register or run fails.
		for suite in $(sed -n 's/^#@ kunit-suites: *//p' "$spec"); do
			if echo "$cases" | grep -q "^[A-Z]* $suite\."; then
				result PASS "kunit-suite:$suite" "(ran, $(echo "$cases" | grep -c "^[A-Z]* $suite\.") case(s))"
			else
				result FAIL "kunit-suite:$suite" "(expected suite reported no case in $logdir/kunit.log)"
			fi
		done
		if [ -z "$cases" ]; then
			result FAIL kunit "(no KTAP in $logdir/kunit.log)"
		fi
	fi
done

# 4. The controls: the same scenarios on the unpatched base kernel.
if [ -n "${BASE_IMAGE:-}" ]; then
	blogs=${BASE_LOGS:?BASE_LOGS}
	mkdir -p "$blogs"
	rm -f "$blogs/timings"
	for s in "${scenarios[@]}"; do
		rule=${base_rule[$s]}
		case $rule in
		invalid) continue ;;
		"none "*) base_verdict[$s]="not booted"; continue ;;
		esac
		out=$("$top/scripts/run-scenario.sh" "$BASE_IMAGE" "$initrd" "$blogs" "$s")
		rc=$?
		first=$(grep -m1 '^FAIL:' "$blogs/$s.log" 2>/dev/null | tr -d '\r')
		case $rule in
		same)
			if [ $rc = 0 ]; then
				base_verdict[$s]=PASS
				result PASS "control:$s" "(base passes too)"
			else
				base_verdict[$s]=FAIL
				result FAIL "control:$s" "(want the base to pass too)
$out"
			fi
			;;
		"fails "*)
			tag=${rule#fails }
			if [ $rc = 0 ]; then
				base_verdict[$s]=PASS
				result FAIL "control:$s" "(the base passes, want it to fail at '$tag')"
			elif [[ $first == "FAIL: $tag:"* ]]; then
				base_verdict[$s]="FAIL at $tag"
				result PASS "control:$s" "(base fails at $tag: ${first#FAIL: $tag: })"
			else
				base_verdict[$s]="FAIL elsewhere"
				result FAIL "control:$s" "(the base fails, but not at '$tag' first: ${first:-no FAIL: line})
$out"
			fi
			;;
		esac
	done
fi

# 5. One table: each scenario on the series and on the base.
echo
printf '%-28s %-8s %-22s %s\n' scenario series base "base expected"
for s in "${scenarios[@]}"; do
	r=${base_rule[$s]}
	case $r in
	same) want=pass ;;
	"fails "*) want="fail at ${r#fails }" ;;
	"none "*) want="n/a: ${r#none }" ;;
	*) want="?" ;;
	esac
	printf '%-28s %-8s %-22s %s\n' "$s" "${series_verdict[$s]:-?}" "${base_verdict[$s]:--}" "$want"
done
echo
echo "timings (s):"
sed 's/^/  /' "$logdir/timings" 2>/dev/null
[ -z "${BASE_IMAGE:-}" ] || { echo "base kernel:"; sed 's/^/  /' "$BASE_LOGS/timings" 2>/dev/null; }
echo "logs: $logdir"
echo
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail = 0 ]
