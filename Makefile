# Developer entry points (README.md).
.PHONY: run test bench

# The service with a private PostgreSQL and demo data, GraphiQL on http://127.0.0.1:8080/.
run:
	go run ./cmd/gpec serve

# Every test, against a PostgreSQL started when none runs.
test:
	go run ./cmd/gpec withdb -- go test -count=1 ./...

# The benchmark of BENCHMARKS.md (national dataset; BENCH_SCALE=medium for a quick run).
# See bench/README.md for the variables.
bench:
	bench/bench.sh
