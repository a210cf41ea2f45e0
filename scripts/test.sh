#!/bin/bash
# Run every test: the series round trip, the kconfig check, the KUnit suites
# (booted, KTAP parsed) and every QEMU scenario. Prints one line per result
# and ends with "N passed, N failed[, N skipped]".
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

# 2. every requested kconfig option took effect (kconfig.sh ran in the build)
if out=$("$top/scripts/kconfig.sh" "$src" "$obj" $BENCH_FRAGMENTS 2>&1); then
	result PASS kconfig "($(echo "$out" | tail -1))"
else
	result FAIL kconfig "$out"
fi

# 3. KUnit: boot with the suites enabled, parse the KTAP, count each case.
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=($(cd "$top/tests/scenarios" && ls *.guest | sed 's/\.guest$//' | grep -vxE 'demo|bench'))
for s in "${scenarios[@]}"; do
	if out=$("$top/scripts/run-scenario.sh" "$image" "$initrd" "$logdir" "$s"); then
		result PASS "scenario:$s" "$(echo "$out" | sed -n '1s/.*(\(.*\))/(\1)/p')"
	else
		result FAIL "scenario:$s" "
$out"
	fi
	if [ "$s" = kunit ]; then
		ktap=$logdir/kunit.ktap
		sed -e 's/^\[[ 0-9.]*\] //' "$logdir/kunit.log" >"$ktap"
		python3 "$src/tools/testing/kunit/kunit.py" parse --raw_output=kunit "$ktap" >/dev/null 2>&1 || true
		# Count leaf test cases (parameterised cases count each parameter).
		while read -r st name; do
			result "$st" "kunit:$name"
		done < <(python3 "$top/scripts/ktap-cases.py" "$ktap")
		if ! python3 "$top/scripts/ktap-cases.py" "$ktap" | grep -q .; then
			if [ "${BENCH_EXPECT_KUNIT:-1}" = 1 ]; then
				result FAIL kunit "no KUnit test case ran (see $logdir/kunit.log)"
			else
				result SKIP kunit "(no KUnit suite in this tree)"
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
