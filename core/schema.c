/* schema: see schema.h. */
#include "schema.h"

#include <stddef.h>

static const char *const dataset_names[] = {"timemachine", "jaychou", "ptb",
                                            "text", "sine", NULL};
static const char *const token_names[] = {"char", "word", NULL};
static const char *const sampler_names[] = {"random", "sequential", NULL};
static const char *const offset_names[] = {"random", "zero", NULL};
static const char *const reset_names[] = {"epoch", "never", NULL};
/* In the order of enum cell_kind (cell.h). */
static const char *const cell_names[] = {"rnn_tanh", "rnn_relu", "lstm", "gru",
                                         NULL};
static const char *const input_names[] = {"onehot", "embedding", NULL};
static const char *const init_names[] = {"default", "normal", "uniform",
                                         "xavier", NULL};
static const char *const optim_names[] = {"sgd", "adam", "adamw", "rmsprop",
                                          "adagrad", NULL};
static const char *const schedule_names[] = {"constant", "step", "exponential",
                                             "plateau", NULL};
static const char *const strategy_names[] = {"greedy", "sample", NULL};
static const char *const head_names[] = {"lm", "regression", NULL};
static const char *const bptt_names[] = {"truncated", "full", "randomized", NULL};

const char *config_dataset_name(int v) { return dataset_names[v]; }
const char *config_tokens_name(int v) { return token_names[v]; }
const char *config_cell_name(int v) { return cell_names[v]; }
const char *config_optim_name(int v) { return optim_names[v]; }

/* ---- when a key applies ----------------------------------------------- */

static int text_data(const struct config *c) { return c->dataset.name != DATASET_SINE; }
static int sine(const struct config *c) { return c->dataset.name == DATASET_SINE; }
static int single_text(const struct config *c)
{
    return c->dataset.name != DATASET_PTB && text_data(c);
}
static int lm(const struct config *c) { return c->model.head == HEAD_LM; }
static int regression(const struct config *c) { return c->model.head == HEAD_REGRESSION; }
static int sequential(const struct config *c)
{
    return text_data(c) && c->sampler.kind == SAMPLER_SEQUENTIAL;
}
static int embedding(const struct config *c)
{
    return lm(c) && c->model.input == INPUT_EMBEDDING;
}
static int init_normal(const struct config *c) { return c->model.init.scheme == INIT_NORMAL; }
static int init_uniform(const struct config *c) { return c->model.init.scheme == INIT_UNIFORM; }
static int sgd(const struct config *c) { return c->optimizer.kind == OPTIM_SGD; }
static int sgd_or_rmsprop(const struct config *c)
{
    return c->optimizer.kind == OPTIM_SGD || c->optimizer.kind == OPTIM_RMSPROP;
}
static int adam_like(const struct config *c)
{
    return c->optimizer.kind == OPTIM_ADAM || c->optimizer.kind == OPTIM_ADAMW;
}
static int not_sgd(const struct config *c) { return c->optimizer.kind != OPTIM_SGD; }
static int rmsprop(const struct config *c) { return c->optimizer.kind == OPTIM_RMSPROP; }
static int step_or_exp(const struct config *c)
{
    return c->schedule.kind == SCHEDULE_STEP ||
           c->schedule.kind == SCHEDULE_EXPONENTIAL;
}
/* Unset (0) step_size/start_epoch are not emitted; set ones need kind step. */
static int step_every(const struct config *c)
{
    return c->schedule.kind == SCHEDULE_STEP && c->schedule.step_size;
}
static int step_after(const struct config *c)
{
    return c->schedule.kind == SCHEDULE_STEP && c->schedule.start_epoch;
}
static int plateau(const struct config *c) { return c->schedule.kind == SCHEDULE_PLATEAU; }
static int scheduled(const struct config *c) { return c->schedule.kind != SCHEDULE_CONSTANT; }
static int sampling(const struct config *c)
{
    return lm(c) && c->generate.strategy == GEN_SAMPLE;
}
static int randomized(const struct config *c)
{
    return lm(c) && c->train.bptt == BPTT_RANDOMIZED;
}

/* ---- the schema ------------------------------------------------------- */

#define AT(member) offsetof(struct config, member)
#define KEY(k, type, member, lo, hi) {k, type, AT(member), lo, hi, NULL, NULL, NULL, NULL, 0, 0}
#define ENUM(k, member, names) {k, F_ENUM, AT(member), 0, 0, names, NULL, NULL, NULL, 0, 0}
#define ONLY(k, type, member, lo, hi, pred, text) \
    {k, type, AT(member), lo, hi, NULL, NULL, pred, text, 0, 0}
#define MAP(k, fields) {k, F_MAP, 0, 0, 0, NULL, fields, NULL, NULL, 0, 0}
#define HOW(k, type, member, lo, hi) {k, type, AT(member), lo, hi, NULL, NULL, NULL, NULL, 1, 0}
#define END {NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL, 0, 0}
#define BIG 1e15
#define TEXT_ONLY "text datasets (timemachine, jaychou, ptb, text)"
#define SINE_ONLY "name: sine"
#define TEXT_SAMPLER "text datasets (a sine example is tau steps, and the " \
    "examples are shuffled each epoch)"
#define LM_ONLY "head: lm (language models)"

static const struct field dataset_fields[] = {
    ENUM("name", dataset.name, dataset_names),
    ONLY("path", F_TEXT, dataset.path, 1, 1000, text_data, TEXT_ONLY),
    ONLY("member", F_TEXT, dataset.member, 1, 1000, single_text,
         "a single-file text dataset (ptb reads its own three members)"),
    {"tokens", F_ENUM, AT(dataset.tokens), 0, 0, token_names, NULL, text_data,
     TEXT_ONLY, 0, 0},
    ONLY("max_tokens", F_INT, dataset.max_tokens, -1, BIG, text_data, TEXT_ONLY),
    ONLY("min_freq", F_INT, dataset.min_freq, 0, BIG, text_data, TEXT_ONLY),
    ONLY("valid_fraction", F_FLOAT, dataset.valid_fraction, 0, 0.9, single_text,
         "text datasets without a validation file (not ptb)"),
    {"max_bytes", F_INT, AT(dataset.max_bytes), 1, 1099511627776.0, NULL, NULL,
     text_data, TEXT_ONLY, 1, 0},
    ONLY("length", F_INT, dataset.length, 2, 1e8, sine, SINE_ONLY),
    ONLY("noise", F_FLOAT, dataset.noise, 0, 1e6, sine, SINE_ONLY),
    ONLY("tau", F_INT, dataset.tau, 1, 10000, sine, SINE_ONLY),
    ONLY("n_train", F_INT, dataset.n_train, 1, 1e8, sine, SINE_ONLY),
    END,
};

static const struct field sampler_fields[] = {
    {"kind", F_ENUM, AT(sampler.kind), 0, 0, sampler_names, NULL, text_data,
     TEXT_SAMPLER, 0, 0},
    KEY("batch_size", F_INT, sampler.batch_size, 1, 1e6),
    ONLY("num_steps", F_INT, sampler.num_steps, 1, 1e6, text_data, TEXT_SAMPLER),
    {"offset", F_ENUM, AT(sampler.offset), 0, 0, offset_names, NULL, text_data,
     TEXT_SAMPLER, 0, 0},
    {"reset_state", F_ENUM, AT(sampler.reset_state), 0, 0, reset_names, NULL,
     sequential, "kind: sequential", 0, 0},
    END,
};

static const struct field init_fields[] = {
    ENUM("scheme", model.init.scheme, init_names),
    ONLY("std", F_FLOAT, model.init.std, 1e-12, 1e3, init_normal, "scheme: normal"),
    ONLY("range", F_FLOAT, model.init.range, 1e-12, 1e3, init_uniform,
         "scheme: uniform"),
    END,
};

static const struct field model_fields[] = {
    ENUM("cell", model.cell, cell_names),
    KEY("hidden", F_INT, model.hidden, 1, 65536),
    KEY("layers", F_INT, model.layers, 1, 64),
    {"head", F_ENUM, AT(model.head), 0, 0, head_names, NULL, NULL, NULL, 0, 1},
    {"input", F_ENUM, AT(model.input), 0, 0, input_names, NULL, lm, LM_ONLY, 0, 0},
    ONLY("embed_dim", F_INT, model.embed_dim, 1, 65536, embedding,
         "input: embedding"),
    KEY("dropout", F_FLOAT, model.dropout, 0, 0.99),
    ONLY("tie_weights", F_BOOL, model.tie_weights, 0, 0, embedding,
         "input: embedding"),
    MAP("init", init_fields),
    END,
};

static const struct field optimizer_fields[] = {
    ENUM("kind", optimizer.kind, optim_names),
    KEY("lr", F_FLOAT, optimizer.lr, 0, 1e6),
    ONLY("momentum", F_FLOAT, optimizer.momentum, 0, 0.9999, sgd_or_rmsprop,
         "kind: sgd or rmsprop"),
    ONLY("nesterov", F_BOOL, optimizer.nesterov, 0, 0, sgd, "kind: sgd"),
    KEY("weight_decay", F_FLOAT, optimizer.weight_decay, 0, 1e3),
    ONLY("betas", F_FLOAT2, optimizer.betas, 0, 0.999999, adam_like,
         "kind: adam or adamw"),
    ONLY("eps", F_FLOAT, optimizer.eps, 1e-30, 1, not_sgd,
         "kind: adam, adamw, rmsprop or adagrad"),
    ONLY("alpha", F_FLOAT, optimizer.alpha, 0, 0.999999, rmsprop, "kind: rmsprop"),
    END,
};

static const struct field schedule_fields[] = {
    ENUM("kind", schedule.kind, schedule_names),
    ONLY("gamma", F_FLOAT, schedule.gamma, 1e-9, 1, step_or_exp,
         "kind: step or exponential"),
    ONLY("step_size", F_INT, schedule.step_size, 1, 1e9, step_every, "kind: step"),
    ONLY("start_epoch", F_INT, schedule.start_epoch, 1, 1e9, step_after,
         "kind: step"),
    ONLY("factor", F_FLOAT, schedule.factor, 1.000001, 1e6, plateau,
         "kind: plateau"),
    ONLY("patience", F_INT, schedule.patience, 0, 1e9, plateau, "kind: plateau"),
    ONLY("min_lr", F_FLOAT, schedule.min_lr, 0, 1e6, scheduled,
         "a kind other than constant"),
    END,
};

static const struct field clip_fields[] = {
    KEY("max_norm", F_NONE_OR_FLOAT, clip.max_norm, 1e-12, 1e12),
    END,
};

static const struct field train_fields[] = {
    KEY("epochs", F_INT, train.epochs, 1, 1e9),
    KEY("eval_every", F_INT, train.eval_every, 1, 1e9),
    HOW("threads", F_INT, train.threads, 0, 256),
    KEY("grad_shards", F_INT, train.grad_shards, 1, 64),
    ONLY("max_ppl", F_FLOAT, train.max_ppl, 0, 1e300, lm, LM_ONLY),
    ONLY("max_mse", F_FLOAT, train.max_mse, 1e-300, 1e300, regression,
         "head: regression"),
    {"bptt", F_ENUM, AT(train.bptt), 0, 0, bptt_names, NULL, lm, LM_ONLY, 0, 1},
    ONLY("bptt_keep", F_FLOAT, train.bptt_keep, 1e-6, 1, randomized,
         "bptt: randomized"),
    END,
};

static const struct field generate_fields[] = {
    ONLY("prefixes", F_STRINGS, generate.prefixes, 0, 0, lm, LM_ONLY),
    ONLY("length", F_INT, generate.length, 0, 1e7, lm, LM_ONLY),
    ONLY("every", F_INT, generate.every, 0, 1e9, lm, LM_ONLY),
    {"strategy", F_ENUM, AT(generate.strategy), 0, 0, strategy_names, NULL, lm,
     LM_ONLY, 0, 0},
    ONLY("temperature", F_FLOAT, generate.temperature, 1e-6, 1e6, sampling,
         "strategy: sample"),
    ONLY("alpha", F_FLOAT, generate.alpha, 1e-6, 1e6, sampling, "strategy: sample"),
    ONLY("seed", F_INT, generate.seed, 0, 4294967295.0, lm, LM_ONLY),
    END,
};

static const struct field output_fields[] = {
    HOW("dir", F_TEXT, output.dir, 1, 1000),
    END,
};

const struct field schema_root[] = {
    KEY("name", F_TEXT, name, 1, 200),
    KEY("seed", F_INT, seed, 0, 4294967295.0),
    MAP("dataset", dataset_fields),
    MAP("sampler", sampler_fields),
    MAP("model", model_fields),
    MAP("optimizer", optimizer_fields),
    MAP("schedule", schedule_fields),
    MAP("clip", clip_fields),
    MAP("train", train_fields),
    MAP("generate", generate_fields),
    MAP("output", output_fields),
    END,
};
