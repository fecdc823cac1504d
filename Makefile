# rnnlab: build, run, test.  `make run` and `make test` do all set-up on a
# fresh Debian machine (they call `make deps` first).

PKGS     := yaml-0.1 minizip zlib hdf5 libxsmm openblas cmocka
BUILD    ?= build
CC       ?= cc
WARN     := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes
# Never -Ofast/-ffast-math: they break isnan/isinf (divergence detection) and
# bit-for-bit reproducibility. -ftree-vectorize and -fno-trapping-math change
# no result (we use no floating-point traps): they let the elementwise loops
# (core/real.h) vectorise; -ffp-contract=off keeps a*b+c two roundings on
# every instruction set, so results do not depend on the CPU's FMA.
OPT      ?= -O2 -g
VECTOR   := -ftree-vectorize -fno-trapping-math -ffp-contract=off
CFLAGS   := $(OPT) $(VECTOR) -std=c11 $(WARN) -D_DEFAULT_SOURCE -MMD -MP \
            -DRNNLAB_DATA_DIR='"$(CURDIR)/data"' -Icore \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
# the HDF5 "lite" API only the tests use
TEST_LIBS := -lhdf5_hl

CORE_SRC   := $(wildcard core/*.c)
RUNNER_SRC := $(wildcard runner/*.c)
TEST_SRC   := $(wildcard tests/test_*.c)
# test_grad*.c check gradients by finite differences: they link a double
# precision build of core/ (-DRNNLAB_DOUBLE), so tolerances can be tight.
GRAD_SRC   := $(wildcard tests/test_grad*.c)
CORE_OBJ   := $(CORE_SRC:%.c=$(BUILD)/%.o)
DCORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/double/%.o)
RUNNER_OBJ := $(RUNNER_SRC:%.c=$(BUILD)/%.o)
TEST_BIN   := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
GRAD_BIN   := $(GRAD_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_BIN  := $(BUILD)/tests/bench_model $(BUILD)/tests/bench_train $(BUILD)/tests/bench_gemm \
              $(BUILD)/tests/bench_gemm_shapes
# what bench_train and the oneDNN peer share (command line, setup, report)
BENCH_SETUP := $(BUILD)/tests/bench_setup.o
LIB        := $(BUILD)/librnnlab.a
DLIB       := $(BUILD)/double/librnnlab.a
BIN        ?= bin
RUNNER     := $(BIN)/runner

CONFIG ?= configs/timemachine_rnn.yaml

.PHONY: all deps run test tests asan bench clean install
.SECONDARY:
all: $(RUNNER)

deps:
	@scripts/install_deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	$(RUNNER) train $(CONFIG)

test: deps
	@$(MAKE) --no-print-directory all tests
	@scripts/run_tests.sh $(BUILD)/tests

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer (leak
# checking included), in a separate build folder.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin \
	    OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" all tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 SLURM_TEST=0 \
	    RUNNER=build/asan/bin/runner scripts/run_tests.sh build/asan/tests

# the bench programs are built with the tests (so a change that breaks them
# fails CI) but only run by `make bench`
tests: $(TEST_BIN) $(BENCH_BIN)

# Speed (never part of make test): the model's forward+backward at the
# issue-3 shapes, then scripts/bench.sh: whole training steps of the bench
# configs beside PyTorch (when /usr/bin/python3 has torch), 1 and 2 threads.
bench: deps
	@scripts/install_deps.sh --bench || echo "bench: libdnnl-dev or libblis-serial-dev could not be installed: no oneDNN peer or full GEMM table"
	@$(MAKE) --no-print-directory $(BENCH_BIN)
	@if [ -f $(DNNL_HDR) ]; then $(MAKE) --no-print-directory $(DNNL_BIN); fi
	@if [ -f $(DNNL_HDR) ] && [ -f $(BLIS_INC)/blis.h ]; then \
	    $(MAKE) --no-print-directory $(SHAPES_DNNL); fi
	@if [ -x $(SHAPES_DNNL) ]; then $(SHAPES_DNNL); else $(BUILD)/tests/bench_gemm_shapes; fi
	@$(BUILD)/tests/bench_model 1
	@$(BUILD)/tests/bench_model 2
	@BUILD=$(BUILD) scripts/bench.sh

# The oneDNN peer of bench_train (C++, oneDNN's RNN primitives): built by
# `make bench` only, where Debian's libdnnl-dev is installed.
CXX       ?= c++
DNNL_HDR  := /usr/include/oneapi/dnnl/dnnl.hpp
DNNL_BIN  := $(BUILD)/tests/bench_dnnl
$(DNNL_BIN): tests/bench_dnnl.cpp $(BENCH_SETUP) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(OPT) $(VECTOR) -std=c++17 -Wall -Wextra -Werror -DRNNLAB_DATA_DIR='"$(CURDIR)/data"' \
	    -Icore -Itests $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -o $@ $< $(BENCH_SETUP) \
	    $(LIB) -ldnnl $(TEST_LIBS) $(LDLIBS)

# the GEMM shapes beside BLIS (serial) and oneDNN's dnnl_sgemm too (make
# bench, which installs libblis-serial-dev and libdnnl-dev)
MULTIARCH   := $(shell $(CC) -print-multiarch 2>/dev/null)
BLIS_DIR    := /usr/lib/$(MULTIARCH)/blis-serial
BLIS_INC    := /usr/include/$(MULTIARCH)/blis-serial
SHAPES_DNNL := $(BUILD)/tests/bench_gemm_shapes_dnnl
$(SHAPES_DNNL): tests/bench_gemm_shapes.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DHAVE_DNNL -DHAVE_BLIS -isystem $(BLIS_INC) -fopenmp -o $@ $< \
	    $(LIB) -ldnnl $(LDLIBS) -L$(BLIS_DIR) -Wl,-rpath,$(BLIS_DIR) -lblis

# rebuilt whole: a renamed source must not leave its old object inside
$(LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(RUNNER): $(RUNNER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(RUNNER_OBJ) $(LIB) $(LDLIBS)

$(DLIB): $(DCORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(GRAD_BIN): $(BUILD)/tests/%: $(BUILD)/double/tests/%.o $(DLIB)
	$(CC) $(LDFLAGS) -o $@ $< $(DLIB) $(TEST_LIBS) $(LDLIBS)

$(BUILD)/tests/bench_train: $(BUILD)/tests/bench_train.o $(BENCH_SETUP) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(BENCH_SETUP) $(LIB) $(TEST_LIBS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(TEST_LIBS) $(LDLIBS)

$(BUILD)/double/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DRNNLAB_DOUBLE -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# make install [PREFIX=/usr/local] [DESTDIR=]: the runner in PREFIX/bin, and
# in PREFIX/share/rnnlab its data (found there by the installed runner, or
# through RNNLAB_DATA), configs and scripts.
PREFIX ?= /usr/local
SHARE  := $(DESTDIR)$(PREFIX)/share/rnnlab
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/data $(SHARE)/configs/bench \
	    $(SHARE)/scripts/slurm
	install -m 755 $(RUNNER) $(DESTDIR)$(PREFIX)/bin/runner
	install -m 644 data/* $(SHARE)/data/
	install -m 644 configs/*.yaml configs/*.md $(SHARE)/configs/
	install -m 644 configs/bench/*.yaml $(SHARE)/configs/bench/
	install -m 755 scripts/*.sh scripts/*.py $(SHARE)/scripts/
	install -m 644 scripts/slurm/sweep.sbatch $(SHARE)/scripts/slurm/

clean:
	rm -rf build bin

-include $(CORE_OBJ:.o=.d) $(DCORE_OBJ:.o=.d) $(RUNNER_OBJ:.o=.d) $(TEST_BIN:=.d) \
         $(BENCH_BIN:=.d) $(BENCH_SETUP:.o=.d) \
         $(GRAD_SRC:tests/%.c=$(BUILD)/double/tests/%.d)

# Fuzzing (clang's libFuzzer): the config reader, sweep expansion and the
# dataset loaders,
# built with ASan + UBSan in build/fuzz. `make fuzz` first replays the kept
# regression inputs, then runs each harness deterministically (fixed -seed
# and -runs, about a minute each); FUZZ_RUNS=N and FUZZ_SEED=S change that, and
# `build/fuzz/fuzz_config CORPUS_DIR` fuzzes for as long as you like.
FUZZ_CC    ?= clang
FUZZ_BUILD := build/fuzz
FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
FUZZ_CORE  := $(CORE_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BIN   := $(FUZZ_BUILD)/fuzz_config $(FUZZ_BUILD)/fuzz_sweep $(FUZZ_BUILD)/fuzz_dataset
FUZZ_SEED  ?= 1

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SEED=$(FUZZ_SEED) scripts/fuzz.sh $(FUZZ_BUILD)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -std=c11 -D_DEFAULT_SOURCE \
	    -Wall -Wextra -Werror -MMD -MP -Icore \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

-include $(FUZZ_CORE:.o=.d)
