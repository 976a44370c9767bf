# `make fuzz`: every libFuzzer target of tests/fuzz/ for FUZZ_SECONDS each
# (default 60), e.g. `make fuzz FUZZ_SECONDS=300 FUZZ_TARGETS="decode ept"`.
# See tools/fuzz.sh; `make fuzz-smoke` is the short run of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=

.PHONY: fuzz fuzz-smoke
fuzz:
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" tools/fuzz.sh

fuzz-smoke:
	@BUILD=$(BUILD) FUZZ_TARGETS="$(FUZZ_TARGETS)" tests/fuzz/run.sh
