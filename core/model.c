/* model: see model.h. The parameter table, layout, creation, tensors in
 * PyTorch's layout and initialisation; the passes are model_pass.c. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bcastgemm.h"
#include "mem.h"

struct model_spec model_spec_from_config(const struct model_config *c, size_t V)
{
    struct model_spec s = {
        .cell = c->cell, .V = V, .E = (size_t)c->embed_dim,
        .H = (size_t)c->hidden, .L = (size_t)c->layers,
        .embedding = c->input == INPUT_EMBEDDING, .dropout = c->dropout,
        .tie = c->tie_weights,
    };
    if (!s.embedding)
        s.E = 0;
    if (c->head == HEAD_REGRESSION) {
        s.regression = 1;
        s.V = 1;
        s.E = 1;
        s.embedding = 0;
        s.tie = 0;
    }
    return s;
}

/* ---- the parameter table ---------------------------------------------- */

static struct model_tensor *add_tensor(struct model *m, const char *name,
                                       size_t rows, size_t cols, int transposed,
                                       int is_bias)
{
    struct model_tensor *t = &m->tensors[m->ntensors++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->rows = rows;
    t->cols = cols;
    t->offset = m->nparams;
    t->transposed = transposed;
    t->is_bias = is_bias;
    m->nparams += rows * cols;
    return t;
}

/* Lays out every tensor in PyTorch's state_dict order. */
static void build_table(struct model *m)
{
    const struct model_spec *s = &m->spec;
    size_t G = cell_gates(s->cell);
    size_t in = s->regression ? 1 : s->embedding ? s->E : s->V;
    char name[48];
    if (s->embedding)
        add_tensor(m, "embedding.weight", s->V, s->E, 0, 0);
    for (size_t l = 0; l < s->L; l++) {
        size_t lin = l == 0 ? in : s->H;
        snprintf(name, sizeof name, "rnn.weight_ih_l%zu", l);
        add_tensor(m, name, G * s->H, lin, 1, 0);
        snprintf(name, sizeof name, "rnn.weight_hh_l%zu", l);
        add_tensor(m, name, G * s->H, s->H, 0, 0);
        snprintf(name, sizeof name, "rnn.bias_ih_l%zu", l);
        add_tensor(m, name, G * s->H, 1, 0, 1);
        snprintf(name, sizeof name, "rnn.bias_hh_l%zu", l);
        add_tensor(m, name, G * s->H, 1, 0, 1);
    }
    if (s->tie) {
        struct model_tensor *t = &m->tensors[m->ntensors++];
        *t = m->tensors[0];
        snprintf(t->name, sizeof t->name, "dense.weight");
        t->alias = 1;
    } else {
        add_tensor(m, "dense.weight", s->V, s->H, 0, 0);
    }
    add_tensor(m, "dense.bias", s->V, 1, 0, 1);
}

const struct model_tensor *model_find(const struct model *m, const char *name)
{
    for (size_t i = 0; i < m->ntensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0)
            return &m->tensors[i];
    return NULL;
}

static void bind_views(struct model *m)
{
    const struct model_spec *s = &m->spec;
    size_t G = cell_gates(s->cell), k = 0;
    if (s->embedding) {
        m->emb = m->params + m->tensors[0].offset;
        m->demb = m->grads + m->tensors[0].offset;
        k = 1;
    }
    for (size_t l = 0; l < s->L; l++, k += 4) {
        struct cell *c = &m->cells[l];
        c->kind = s->cell;
        c->in = m->tensors[k].cols;
        c->H = s->H;
        c->G = G;
        c->W_ih = m->params + m->tensors[k].offset;
        c->W_hh = m->params + m->tensors[k + 1].offset;
        c->b_ih = m->params + m->tensors[k + 2].offset;
        c->b_hh = m->params + m->tensors[k + 3].offset;
        c->dW_ih = m->grads + m->tensors[k].offset;
        c->dW_hh = m->grads + m->tensors[k + 1].offset;
        c->db_ih = m->grads + m->tensors[k + 2].offset;
        c->db_hh = m->grads + m->tensors[k + 3].offset;
    }
    m->dec_W = m->params + m->tensors[k].offset;
    m->ddec_W = m->grads + m->tensors[k].offset;
    m->dec_b = m->params + m->tensors[k + 1].offset;
    m->ddec_b = m->grads + m->tensors[k + 1].offset;
}

/* ---- creation --------------------------------------------------------- */

static int check_spec(const struct model_spec *s, struct err *e)
{
    if (s->regression && (s->V != 1 || s->E != 1 || s->embedding || s->tie))
        return err_msg(e, ERR_CONFIG, "model: a regression model has one input "
                       "and one output");
    if (!s->regression && s->V < 2)
        return err_msg(e, ERR_CONFIG, "model: the vocabulary has %zu token(s); "
                       "a language model needs at least 2", s->V);
    if (s->L < 1 || s->L > 64 || s->H < 1 || (s->embedding && s->E < 1))
        return err_msg(e, ERR_CONFIG, "model: layers must be 1-64 and hidden, "
                       "embed_dim positive");
    if (s->tie && (!s->embedding || s->E != s->H))
        return err_msg(e, ERR_CONFIG, "model.tie_weights: needs input: "
                       "embedding and embed_dim == hidden");
    if (s->dropout < 0 || s->dropout >= 1)
        return err_msg(e, ERR_CONFIG, "model.dropout: must be in [0, 1)");
    return 0;
}

/* Lays every workspace over m->work; with m->work NULL only counts. */
static size_t bind_workspace(struct model *m)
{
    const struct model_spec *s = &m->spec;
    size_t rows = m->Tmax * m->Bmax, wide = s->E > s->H ? s->E : s->H;
    size_t L = s->L, state = L * m->Bmax * s->H, used = 0;
    real *base = m->work;
#define TAKE(n) (used += (n), base ? base + used - (n) : NULL)
    for (size_t l = 0; l < L; l++) {
        /* a dense input's width (its gradient's packing), 0 for one-hot */
        size_t in = l > 0 ? s->H : s->embedding || s->regression ? s->E : 0;
        size_t n = cell_cache_size(s->cell, in, s->H, m->Tmax, m->Bmax);
        real *mem = TAKE(n);
        if (base)
            cell_cache_bind(&m->caches[l], s->cell, in, s->H, m->Tmax, m->Bmax,
                            mem);
    }
    m->emb_out = TAKE(s->embedding || s->regression ? rows * s->E : 0);
    m->layer_out = TAKE(s->dropout > 0 ? L * rows * s->H : 0);
    m->masks = TAKE(s->dropout > 0 ? rows * s->E + L * rows * s->H : 0);
    m->logits = TAKE(rows * s->V);
    m->logit_max = TAKE(rows);
    /* dbuf[0] also holds x^T packed for the decoder's forward */
    size_t packed = bcastgemm_packed_size(s->H, rows);
    m->dbuf[0] = TAKE(rows * wide > packed ? rows * wide : packed);
    m->dbuf[1] = TAKE(rows * wide);
    m->dec_scratch = TAKE(model_decoder_scratch_size(s, rows));
    m->zero_state = TAKE(m->Bmax * s->H);
    m->dstate_h = TAKE(state);
    m->dstate_c = TAKE(state);
#undef TAKE
    return used;
}

/* A model whose parameters are shared (a replica) or its own (shared NULL). */
static int model_build(const struct model_spec *spec, size_t Bmax, size_t Tmax,
                       uint64_t dropout_seed, real *shared, struct model **out,
                       struct err *e)
{
    *out = NULL;
    int rc = check_spec(spec, e);
    if (rc < 0)
        return rc;
    struct model *m = mem_calloc(1, sizeof *m);
    if (!m)
        return err_msg(e, ERR_NOMEM, "out of memory");
    m->spec = *spec;
    m->Bmax = Bmax;
    m->Tmax = Tmax;
    build_table(m);
    size_t nwork = bind_workspace(m);
    m->owns_params = shared == NULL;
    m->params = shared ? shared : mem_calloc(m->nparams, sizeof *m->params);
    m->grads = mem_calloc(m->nparams, sizeof *m->grads);
    m->work = mem_calloc(nwork, sizeof *m->work);
    m->ids = mem_alloc(2 * Bmax * Tmax * sizeof *m->ids);
    if (!m->params || !m->grads || !m->work || !m->ids) {
        err_msg(e, ERR_NOMEM, "out of memory for a model of %zu parameters "
                "and %zu workspace values", m->nparams, nwork);
        model_free(m);
        return ERR_NOMEM;
    }
    /* written now, so the kernel maps their pages here: calloc's fresh
     * pages are mapped at the first write, and an embedding's gradient rows
     * first touched inside a step each took a page fault there ((d): 33 a
     * step over its first batches, as new words came) */
    memset(m->grads, 0, m->nparams * sizeof *m->grads);
    m->ddec_W_zero = 1;
    memset(m->work, 0, nwork * sizeof *m->work);
    m->targets = m->ids + Bmax * Tmax;
    bind_workspace(m);
    bind_views(m);
    rng_seed(&m->rng, dropout_seed, RNG_STREAM_DROPOUT);
    *out = m;
    return 0;
}

size_t model_workspace_bytes(const struct model_spec *spec, size_t Bmax,
                             size_t Tmax)
{
    struct model *m = mem_calloc(1, sizeof *m);
    if (!m)
        return (size_t)-1;
    m->spec = *spec;
    m->Bmax = Bmax;
    m->Tmax = Tmax;
    size_t n = bind_workspace(m) * sizeof(real) + 2 * Bmax * Tmax * sizeof(int32_t);
    mem_free(m);
    return n;
}

int model_create(const struct model_spec *spec, size_t Bmax, size_t Tmax,
                 uint64_t dropout_seed, struct model **out, struct err *e)
{
    return model_build(spec, Bmax, Tmax, dropout_seed, NULL, out, e);
}

int model_create_replica(const struct model *m, size_t Bmax, uint64_t dropout_seed,
                         struct model **out, struct err *e)
{
    return model_build(&m->spec, Bmax, m->Tmax, dropout_seed, m->params, out, e);
}

void model_free(struct model *m)
{
    if (!m)
        return;
    if (m->owns_params)
        mem_free(m->params);
    mem_free(m->grads);
    mem_free(m->work);
    mem_free(m->ids);
    mem_free(m);
}

/* ---- tensors in PyTorch's layout -------------------------------------- */

static real *tensor_at(real *block, const struct model_tensor *t, size_t r,
                       size_t c)
{
    return block + t->offset + (t->transposed ? c * t->rows + r : r * t->cols + c);
}

int model_input_table(const struct model *m, size_t *offset, size_t *width)
{
    const struct model_spec *s = &m->spec;
    if (s->regression || s->tie)
        return 0;
    /* build_table puts it first: embedding.weight, or rnn.weight_ih_l0
     * stored transposed, (V, G*H) */
    *offset = m->tensors[0].offset;
    *width = s->embedding ? s->E : cell_gates(s->cell) * s->H;
    return 1;
}

size_t model_largest_tensor(const struct model *m)
{
    size_t most = 0;
    for (size_t i = 0; i < m->ntensors; i++)
        if (m->tensors[i].rows * m->tensors[i].cols > most)
            most = m->tensors[i].rows * m->tensors[i].cols;
    return most;
}

void model_get_tensor(const struct model *m, const struct model_tensor *t,
                      real *out)
{
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++)
            out[r * t->cols + c] = *tensor_at(m->params, t, r, c);
}

void model_set_tensor(struct model *m, const struct model_tensor *t,
                      const real *in)
{
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++)
            *tensor_at(m->params, t, r, c) = in[r * t->cols + c];
}

/* ---- initialisation --------------------------------------------------- */

static void init_tensor(struct model *m, const struct model_tensor *t,
                        const struct init_config *init, struct rng *g)
{
    int is_emb = strcmp(t->name, "embedding.weight") == 0;
    double bound = 0, std = 0;
    switch (init->scheme) {
    case INIT_NORMAL: /* d2l's scratch models: N(0, std^2) weights, zero biases */
        std = t->is_bias ? 0 : init->std;
        break;
    case INIT_UNIFORM: /* Zaremba et al.: every parameter U(-range, range) */
        bound = init->range;
        break;
    case INIT_XAVIER: /* torch.nn.init.xavier_uniform_; zero biases */
        bound = t->is_bias ? 0 : sqrt(6.0 / (double)(t->rows + t->cols));
        break;
    default: /* PyTorch's module defaults */
        if (is_emb)
            std = 1; /* nn.Embedding: N(0, 1) */
        else /* nn.RNN/LSTM/GRU: U(+-1/sqrt(hidden_size)); nn.Linear(H, V):
              * U(+-1/sqrt(in_features)), and in_features is H as well */
            bound = 1.0 / sqrt((double)m->spec.H);
        break;
    }
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++) {
            double v = 0;
            if (std > 0)
                v = std * rng_normal(g);
            else if (bound > 0)
                v = bound * (2 * rng_uniform(g) - 1);
            *tensor_at(m->params, t, r, c) = (real)v;
        }
}

void model_init(struct model *m, const struct init_config *init, struct rng *g)
{
    for (size_t i = 0; i < m->ntensors; i++)
        if (!m->tensors[i].alias)
            init_tensor(m, &m->tensors[i], init, g);
}
