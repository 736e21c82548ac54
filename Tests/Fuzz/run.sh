#!/usr/bin/env bash
# Runs each libFuzzer target for FUZZ_SECONDS (default 60), FUZZ_PARALLEL at a time (default 1),
# from the seed corpus in Tests/Fuzz/Corpus/TARGET, growing a working corpus in
# .build-fuzz/corpus/TARGET. Findings go to .build-fuzz/findings/; the run fails on any.
# Usage (from the package root, after the fuzz build): Tests/Fuzz/run.sh [TARGET...]
set -u
seconds=${FUZZ_SECONDS:-60}
parallel=${FUZZ_PARALLEL:-1}
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(npy csv model checkpoint)
binary=.build-fuzz/release/gmm-fuzz
mkdir -p .build-fuzz/findings .build-fuzz/logs

run_one() {
    local t=$1
    mkdir -p .build-fuzz/corpus/"$t"
    GMM_FUZZ_TARGET=$t "$binary" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix=.build-fuzz/findings/"$t"- \
        .build-fuzz/corpus/"$t" Tests/Fuzz/Corpus/"$t" > .build-fuzz/logs/"$t".log 2>&1
    local status=$?
    local runs cov
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' .build-fuzz/logs/"$t".log | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' .build-fuzz/logs/"$t".log | tail -1)
    if [ $status -eq 0 ]; then
        echo "fuzz $t: ${seconds} s, ${runs:-?} inputs, ${cov:-cov: ?}, corpus $(ls .build-fuzz/corpus/"$t" | wc -l) files, no finding"
    else
        echo "fuzz $t: FINDING (exit $status); see .build-fuzz/logs/$t.log and .build-fuzz/findings/"
        grep -m3 -E 'ERROR|Precondition|Fatal|SUMMARY' .build-fuzz/logs/"$t".log
    fi
    return $status
}

failed=0
pids=()
for t in "${targets[@]}"; do
    run_one "$t" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$parallel" ]; then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit $failed
