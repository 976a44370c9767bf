# `make chaos`: long runs of the chaos guest beside a RAM-checking sibling
# (tools/chaos.sh), e.g. `make chaos SEEDS="1 2 3" EXITS=1000000`: per seed
# the exits survived, how the chaos VM ended, the sibling's result and the
# host faults. The short seeds of `make test` are guest scenarios
# (tests/guest/scenarios-chaos.sh).
SEEDS ?= 1 2 3
EXITS ?= 100000
CHAOS_ARGS ?=

.PHONY: chaos
chaos: all
	@BUILD=$(BUILD) CHAOS_ARGS="$(CHAOS_ARGS)" tools/chaos.sh "$(SEEDS)" "$(EXITS)"
