# `make report` measures the default experiment and stores every sample;
# `make test` runs the unit and integration tests. Both install what is missing first.
SWIFT ?= swift
BIN := .build/release/reportgen

.PHONY: report test deps deps-test release bench-runner bench-render bench-sql bench-loadgen bench-remote bench-pinning clean

report: release
	$(BIN) build

test: deps-test
	$(SWIFT) test

release: deps
	$(SWIFT) build -c release --product reportgen

deps:
	@scripts/ensure-deps.sh

deps-test:
	@scripts/ensure-deps.sh --tests

# Runner overhead: its own CPU time per measured window, and the share of wall time spent
# measuring, from a real run of the default experiment stored in its own file.
bench-runner: release
	benchmarks/runner-overhead.sh

# Rendering speed: the full default run, and a store with 10x the samples.
bench-render: release
	benchmarks/render.sh

# A write-up's SQL over the reference run's 2.4 M latency rows: one pass, the p90 with
# weighted_percentile and with window functions.
bench-sql: release
	benchmarks/sql.sh

# Load generators: the built-in one against wrk on nginx alone (reportgen calibrate),
# 400 connections, 2 threads, 7 interleaved rounds of 10 s.
bench-loadgen: release
	benchmarks/loadgen.sh

# Roles on three ssh hosts (network namespaces; root) against every role here: the time a
# trial spends outside its window and the measured share of the run's wall time.
bench-remote: release
	benchmarks/remote-overhead.sh

# The quick default experiment unpinned and pinned (load on one CPU, app and upstream on
# the other): each variant's spread of requests/s across trials, both ways.
bench-pinning: release
	benchmarks/pinning.sh

clean:
	rm -rf .build
