#!/bin/bash
# Run every test: the series round trip, b4 on the series, the kconfig
# check, the KUnit suites (booted, KTAP parsed) and every QEMU scenario.
# Prints one line per result and ends with "N passed, N failed[, N
# skipped]".
#
# usage: test.sh SRC OBJ IMAGE INITRAMFS LOGDIR [SCENARIO...]
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

# 1b. b4 reads the series directory as one series, and its mbox applies
if out=$("$top/scripts/b4check.sh" 2>&1); then
	result PASS series-b4 "($(echo "$out" | tail -1))"
else
	result FAIL series-b4 "$out"
fi

# 2. every requested kconfig option took effect (kconfig.sh ran in the build)
if out=$("$top/scripts/kconfig.sh" "$src" "$obj" $BENCH_FRAGMENTS 2>&1); then
	result PASS kconfig "($(echo "$out" | tail -1))"
else
	result FAIL kconfig "$out"
fi

# 3. The scenarios, KUnit's among them: boot with the suites enabled, parse
# the KTAP with the tree's kunit.py, count each case.
# Does the kernel have the series (its msi-doorbell.c and debugfs view)?
# Scenarios with "#@ requires: series" are skipped without it, and the guest
# then lets the debugfs checks go; with it, they must hold.
if [ -z "${BENCH_SERIES:-}" ]; then
	BENCH_SERIES=0
	[ -f "$src/drivers/iommu/msi-doorbell.c" ] && grep -q '^CONFIG_IOMMU_DEBUGFS=y' "$obj/.config" &&
		BENCH_SERIES=1
fi
export BENCH_SERIES
# KUnit cases are expected when the kernel enables a KUnit test (the series
# adds its own); then a boot that printed no KTAP fails.
if [ -z "${BENCH_EXPECT_KUNIT:-}" ]; then
	BENCH_EXPECT_KUNIT=0
	grep -qE '^CONFIG_[A-Z0-9_]*(KUNIT_TEST|_KUNIT)=y' "$obj/.config" && BENCH_EXPECT_KUNIT=1
fi
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=($(cd "$top/tests/scenarios" && ls *.guest | sed 's/\.guest$//' | grep -vxE 'demo|bench|bench-lookup'))
for s in "${scenarios[@]}"; do
	out=$("$top/scripts/run-scenario.sh" "$image" "$initrd" "$logdir" "$s")
	case $? in
	0) result PASS "scenario:$s" "$(echo "$out" | sed -n '1s/.*(\(.*\))/(\1)/p')" ;;
	77) result SKIP "scenario:$s" "($(echo "$out" | sed -n '1s/^SKIP *[^ ]* *: *//p'))" ;;
	*) result FAIL "scenario:$s" "
$out" ;;
	esac
	# Upstream selftests: one result per TAP case the guest echoed.
	case $s in
	selftest-*)
		while read -r st name; do
			result "$st" "$name"
		done < <(sed -n 's/^SELFTEST \([^ ]*\) \(not ok\|ok\) [0-9]* \(.*\)$/\2 \1.\3/p' "$logdir/$s.log" |
			sed -e 's/^not ok \(.*\)/FAIL selftest:\1/' -e 's/^ok \(.*\) # SKIP.*/SKIP selftest:\1/' \
			    -e 's/^ok \(.*\)/PASS selftest:\1/' |
			awk '{ st = $1; $1 = ""; sub(/^ /, ""); gsub(/ /, "_"); print st, $0 }')
		;;
	esac
	if [ "$s" = kunit ]; then
		# The parser itself, on crafted logs: a crashed suite, a short plan.
		if out=$(python3 "$top/scripts/ktap-cases.py" --selftest "$src" 2>&1); then
			result PASS ktap-selftest "($(echo "$out" | tail -1 | sed 's/^ktap-selftest: //'))"
		else
			result FAIL ktap-selftest "
$out"
		fi
		ktap=$logdir/kunit.ktap
		sed -e 's/^\[[ 0-9.]*\] //' "$logdir/kunit.log" >"$ktap"
		# One result per leaf case (parameterised cases count each
		# parameter); crashed and never-reported cases fail.
		cases=$(python3 "$top/scripts/ktap-cases.py" "$src" "$ktap" 2>&1) ||
			cases="FAIL kunit (ktap-cases.py failed: $(echo "$cases" | tail -1))"
		while read -r st name why; do
			result "$st" "kunit:$name" "$why"
		done < <(echo "$cases" | grep .)
		if [ -z "$cases" ]; then
			if [ "$BENCH_EXPECT_KUNIT" = 1 ]; then
				result FAIL kunit "(no KTAP in $logdir/kunit.log, but the .config enables KUnit tests)"
			else
				result SKIP kunit "(no KUnit test in this kernel's .config)"
			fi
		fi
	fi
done

echo
echo "timings (s):"
sed 's/^/  /' "$logdir/timings" 2>/dev/null
echo "logs: $logdir"
echo
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail = 0 ]
