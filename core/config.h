/* config: the typed, validated settings of one run.
 *
 * Owns: struct config, its documented defaults (configs/README.md lists them),
 * every check on a value's type, range and relevance (against the key
 * tables of schema.h), and, in config_emit.c, the resolved config as YAML
 * text (what a results file stores and `runner train --from` reads back)
 * and the run id hashed from it.
 * Reading goes tree -> struct config; unknown keys, wrong types, out-of-range
 * values and keys that do not apply (optimizer.betas with kind: sgd) are
 * errors carrying the YAML position of the offending key or value, with the
 * nearest valid key suggested for a misspelling.
 * Must not: touch data files or the model; those modules take a config.
 *
 * Command-line overrides ("model.hidden=512") are applied to the tree before
 * reading (config_apply_override), so they are checked by the same rules.
 */
#ifndef RNNLAB_CONFIG_H
#define RNNLAB_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tree.h"

enum dataset_name { DATASET_TIMEMACHINE, DATASET_JAYCHOU, DATASET_PTB,
                    DATASET_TEXT, DATASET_SINE };
enum token_kind { TOKENS_CHAR, TOKENS_WORD };
enum sampler_kind { SAMPLER_RANDOM, SAMPLER_SEQUENTIAL };
enum sampler_offset { OFFSET_RANDOM, OFFSET_ZERO };
enum state_reset { RESET_EPOCH, RESET_NEVER };
enum model_input { INPUT_ONEHOT, INPUT_EMBEDDING };
enum model_head { HEAD_LM, HEAD_REGRESSION };
enum init_scheme { INIT_DEFAULT, INIT_NORMAL, INIT_UNIFORM, INIT_XAVIER };
enum optim_kind { OPTIM_SGD, OPTIM_ADAM, OPTIM_ADAMW, OPTIM_RMSPROP,
                  OPTIM_ADAGRAD };
enum schedule_kind { SCHEDULE_CONSTANT, SCHEDULE_STEP, SCHEDULE_EXPONENTIAL,
                     SCHEDULE_PLATEAU };
enum gen_strategy { GEN_GREEDY, GEN_SAMPLE };
enum bptt_kind { BPTT_TRUNCATED, BPTT_FULL, BPTT_RANDOMIZED };

struct strlist {
    char **items;
    size_t n;
};

/* dataset.max_bytes's default: 1 GiB of text (4 GiB of token ids as
 * characters), far above the bundled files, far below a zip bomb. */
#define DATASET_DEFAULT_MAX_BYTES (1L << 30)

struct dataset_config {
    int name;              /* enum dataset_name */
    char *path;            /* NULL: the bundled file */
    char *member;          /* zip member; NULL: the dataset's own */
    int tokens;            /* enum token_kind */
    long max_tokens;       /* -1: whole corpus */
    long min_freq;         /* tokens rarer than this map to <unk> */
    double valid_fraction; /* held out from the end; 0: none */
    long max_bytes;        /* largest file or zip member read (a limit) */
    /* sine (d2l 8.1): x_t = sin(0.01 t) + N(0, noise^2), t = 1..length;
     * example i is x_i..x_{i+tau-1} -> x_{i+tau}; the first n_train train */
    long length;
    double noise;
    long tau;
    long n_train;
    long seed;             /* the run's seed (not a key): sine's noise */
};

struct sampler_config {
    int kind;              /* enum sampler_kind */
    long batch_size;       /* B */
    long num_steps;        /* T */
    int offset;            /* enum sampler_offset */
    int reset_state;       /* enum state_reset (sequential only) */
};

struct init_config {
    int scheme;            /* enum init_scheme */
    double std;            /* normal */
    double range;          /* uniform: U(-range, range) */
};

/* The most parameters a model may have: 2^30 floats are 4 GiB, and
 * training holds gradients and optimizer buffers beside them. */
#define MODEL_MAX_PARAMS (1L << 30)

struct model_config {
    int cell;              /* enum cell_kind (cell.h) */
    long hidden;           /* H */
    long layers;
    int input;             /* enum model_input */
    long embed_dim;        /* E; resolved to hidden when not given */
    double dropout;
    int tie_weights;
    struct init_config init;
    int head;              /* enum model_head: lm (softmax over the
                            * vocabulary) or regression (one output, MSE) */
};

struct optimizer_config {
    int kind;              /* enum optim_kind */
    double lr;
    double momentum;       /* sgd, rmsprop */
    int nesterov;          /* sgd */
    double weight_decay;
    double betas[2];       /* adam, adamw */
    double eps;            /* adam, adamw, rmsprop, adagrad */
    double alpha;          /* rmsprop smoothing constant */
};

struct schedule_config {
    int kind;              /* enum schedule_kind */
    double gamma;          /* step, exponential */
    long step_size;        /* step: every step_size epochs; 0: unset */
    long start_epoch;      /* step: every epoch after this one; 0: unset */
    double factor;         /* plateau: lr /= factor */
    long patience;         /* plateau: evaluations without improvement */
    double min_lr;
};

struct clip_config {
    double max_norm;       /* global L2 norm; 0: no clipping */
};

struct train_config {
    long epochs;
    long eval_every;       /* validation/test every this many epochs */
    long threads;          /* worker threads (how to run: not in the run id);
                            * 0: one per CPU this process may use */
    long grad_shards;      /* the batch's split into model replicas whose
                            * gradients are summed in order (what to
                            * compute: in the run id) */
    double max_ppl;        /* diverged above it; 0: 10 x vocabulary size */
    int bptt;              /* enum bptt_kind (d2l 8.7): truncated at every
                            * minibatch, full over the epoch (sequential
                            * sampler), or randomized truncation */
    double bptt_keep;      /* randomized: P(the step's carry is kept) */
    double max_mse;        /* regression: diverged above it */
};

struct generate_config {
    struct strlist prefixes;
    long length;           /* tokens generated after the prefix */
    long every;            /* epochs between samples; 0: after training */
    int strategy;          /* enum gen_strategy */
    double temperature;
    double alpha;          /* sample from p^alpha / sum p^alpha */
    long seed;             /* -1 before resolution: the run's seed */
};

struct output_config {
    char *dir;             /* default results/<name> */
};

struct config {
    char *src;             /* the config file's name, for messages */
    char *name;            /* default: the config file's base name */
    long seed;
    struct dataset_config dataset;
    struct sampler_config sampler;
    struct model_config model;
    struct optimizer_config optimizer;
    struct schedule_config schedule;
    struct clip_config clip;
    struct train_config train;
    struct generate_config generate;
    struct output_config output;
};

/* Fills c with every default. */
int config_defaults(struct config *c, const char *src, struct err *e);

/* Reads the whole tree into c (after config_defaults); any error leaves c
 * valid for config_free. */
int config_read(struct config *c, const struct tree *root, struct err *e);

/* Parses and reads a file, applying overrides "dotted.key=yaml" in order. */
int config_load(struct config *c, const char *path, int noverrides,
                char *const *overrides, struct err *e);

/* The same for config text (a run file's stored config); src names it in
 * messages and gives the default name. */
int config_load_text(struct config *c, const char *text, const char *src,
                     int noverrides, char *const *overrides, struct err *e);

/* An error when root sets no key at all (an empty or comment-only file
 * with no overrides). */
int config_check_not_empty(const struct tree *root, struct err *e);

/* Applies one "dotted.key=value" (value in YAML syntax) to the tree. */
int config_apply_override(struct tree *root, const char *assignment,
                          struct err *e);

/* The resolved config as YAML text, every applicable key with its value,
 * sections in schema order; numbers in their shortest exact form. Reading it
 * back gives the same config. Caller frees with mem_free; NULL on ENOMEM. */
char *config_emit(const struct config *c);

/* The run id: the first 12 hex digits of the SHA-256 of the resolved
 * config's text without the keys that only say how to run (train.threads,
 * output.dir, limits such as dataset.max_bytes): the same computation has
 * the same id whatever resources it runs with. 0 or ERR_NOMEM. */
int config_run_id(const struct config *c, char id[13]);

/* The sweep point's id: the run id of the config with its seed (and a
 * generate.seed that follows it) set to 0, so the seeds of one point share
 * it. 0 or ERR_NOMEM. */
int config_point_id(const struct config *c, char id[13]);

void config_free(struct config *c);

/* A plain YAML integer in [lo, hi] (not "3", not 2.5), for the sweep's own
 * keys; the message names path and the value: "sweep.repeat: expected an
 * integer in [1, 100000], got '0'". */
int config_read_integer(const struct tree *t, const char *path, long lo, long hi,
                        long *out, struct err *e);

/* What the dotted key takes: 'i' an integer, 'f' a real number, 's'
 * anything else (a name, a choice, a list, a section), 0 no such key. For
 * sweep.sample, which must know before drawing whether a key takes numbers. */
int config_key_kind(const char *path);

/* Names of enum values, for messages and output. */
const char *config_dataset_name(int name);
const char *config_tokens_name(int tokens);
const char *config_cell_name(int cell);
const char *config_optim_name(int kind);

#endif
