/* bench_dnnl: the oneDNN peer of tests/bench_train (scripts/bench.sh; built
 * by `make bench` only where Debian's libdnnl-dev is installed; never part
 * of make test). The same whole training step on the same batches, with
 * oneDNN's RNN primitives doing the recurrent layers: input (embedding rows,
 * or one-hot), one forward_training + backward primitive per layer with
 * inverted dropout between them, the decoder and its gradients through
 * dnnl_sgemm, mean softmax cross-entropy, global-norm clipping and the
 * config's SGD or Adam step (PyTorch's rules).
 *
 *   bench_dnnl CONFIG.yaml [key=value ...] [--batches N] [--warmup W]
 *       one line: tokens_per_s=... flops_per_token=... loss=...
 *   bench_dnnl --check FIXTURE.h5 ...
 *       one training step's logits, loss and every gradient against the
 *       PyTorch fixtures of tests/fixtures (scripts/make_reference.py);
 *       prints the largest relative error of each and exits 1 above
 *       CHECK_TOL (relative to the tensor's largest magnitude).
 *   bench_dnnl --sgemm
 *       oneDNN's own dnnl_sgemm on 2048^3 at OMP_NUM_THREADS threads, the
 *       best of 5 after a warm-up: gflops=... (scripts/bench.sh takes the
 *       faster of it and OpenBLAS's as the machine's sgemm rate: OpenBLAS
 *       0.3.21 runs its AVX2 kernels on a Zen 5, half its AVX-512 peak).
 *
 * Layouts: PyTorch's W_ih (G*H, in) and W_hh (G*H, H) become oneDNN's ldigo
 * weights; its gate orders are LSTM i, f, c, o (PyTorch's i, f, g, o) and
 * linear-before-reset GRU u, r, o (PyTorch's r, z, n with r and z swapped).
 * PyTorch's two biases are trained apart (as PyTorch does: each counts in
 * the clipping norm and takes its own step); oneDNN reads their sum per
 * gate, made before each forward, and its bias gradient goes to both,
 * except the GRU's fourth bias, PyTorch's b_hn, which oneDNN takes apart.
 * One-hot input is dense for small vocabularies; above 64 tokens the first
 * layer's input projection is gathered from W_ih's columns and fed through
 * an identity weights_layer (the gather's gradient scatter-adds), which is
 * cheaper than a product with a dense one-hot matrix of 1028 columns.
 * Threads: oneDNN's (OMP_NUM_THREADS). */
extern "C" {
#include "bench_setup.h"
#include "config.h"
#include "dataset.h"
#include "model.h"
#include "real.h"
#include "sampler.h"
#include "train.h"
}

#include <hdf5.h>
#include <hdf5_hl.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using vec = std::vector<float>;

namespace {

/* The --check bar, issue 13's "~1e-6". With AVX2 kernels every fixture
 * agreed within 6.5e-7; where oneDNN picks its AVX-512 ones (the Zen 4
 * machines of 2026-11-24), lstm_embedding.h5's embedding gradient is
 * 1.12e-6 of its largest value, about 9 float32 ulps (6.1e-7 with
 * ONEDNN_MAX_CPU_ISA=AVX2): the same sums in another order. */
const double CHECK_TOL = 2e-6;

engine eng(engine::kind::cpu, 0);
stream strm(eng);

/* One trainable tensor in the layout the step uses, with its gradient. */
struct param {
    vec w, g, m, v; /* m, v: Adam's moments */
};

int gates_of(int cell) { return cell == CELL_LSTM ? 4 : cell == CELL_GRU ? 3 : 1; }
/* oneDNN's gate k is PyTorch's gate torch_gate(k). */
int torch_gate(int cell, int k) { return cell == CELL_GRU && k < 2 ? 1 - k : k; }

/* One recurrent layer: its primitives, memories and parameters. */
struct layer {
    int cell;
    memory::dim T, B, in, H, G, Gb;
    bool identity;          /* layer 0 fed the gathered W_ih columns */
    param wl, wi;           /* ldigo */
    param bias;             /* ldgo, what oneDNN reads: bias_ih + bias_hh */
    param bias_ih, bias_hh; /* PyTorch's two (G, H) in oneDNN's gate order:
                             * the trained ones, each with its gradient */
    vec wl_ones;            /* identity weights_layer (when identity) */
    primitive fwd, bwd;
    memory src, h0, c0, wl_user, wi_user, bias_m, wl_fwd, wi_fwd, wl_bwd, wi_bwd;
    memory dst, hT, cT, ws, ddst, dhT, dcT, dsrc, dh0, dc0, dwl, dwi, dbias;
    memory dwl_user, dwi_user;
    bool r_wl_fwd, r_wi_fwd, r_wl_bwd, r_wi_bwd, r_dwl, r_dwi;
    /* the reorders between the user's layouts and the primitives', made
     * once; a constant identity weights_layer is reordered once, at build */
    reorder re_wl_fwd, re_wi_fwd, re_wl_bwd, re_wi_bwd, re_dwl, re_dwi;
    std::unordered_map<int, memory> fwd_args, bwd_args; /* made once */
    vec out, dout;          /* (T, B, H) after dropout, and its gradient */
    vec mask;               /* dropout mask on out */
};

memory::desc md(memory::dims d, tag t) { return memory::desc(d, dt::f32, t); }

memory reordered(const memory::desc &want, const memory &user, bool &needs)
{
    needs = want != user.get_desc();
    return needs ? memory(want, eng) : user;
}

void build_layer(layer &L)
{
    memory::dim T = L.T, B = L.B, in = L.in, H = L.H, G = L.G, Gb = L.Gb;
    auto src_md = md({T, B, in}, tag::tnc), dst_md = md({T, B, H}, tag::tnc);
    auto it_md = md({1, 1, B, H}, tag::ldnc);
    auto wl_any = md({1, 1, in, G, H}, tag::any), wi_any = md({1, 1, H, G, H}, tag::any);
    auto bias_md = md({1, 1, Gb, H}, tag::ldgo);
    auto dir = rnn_direction::unidirectional_left2right;
    auto fp = prop_kind::forward_training;
    primitive_desc fpd, bpd;
    if (L.cell == CELL_LSTM) {
        dnnl::lstm_forward::primitive_desc f(dnnl::lstm_forward::desc(fp, dir, src_md, it_md, it_md,
                                       wl_any, wi_any, bias_md, dst_md, it_md, it_md), eng);
        dnnl::lstm_backward::primitive_desc b(dnnl::lstm_backward::desc(prop_kind::backward, dir,
                src_md, it_md, it_md, wl_any, wi_any, bias_md, dst_md, it_md, it_md,
                src_md, it_md, it_md, wl_any, wi_any, bias_md, dst_md, it_md, it_md),
                eng, f);
        fpd = f, bpd = b;
        L.fwd = dnnl::lstm_forward(f), L.bwd = dnnl::lstm_backward(b);
    } else if (L.cell == CELL_GRU) {
        dnnl::lbr_gru_forward::primitive_desc f(dnnl::lbr_gru_forward::desc(fp, dir, src_md, it_md,
                                          wl_any, wi_any, bias_md, dst_md, it_md), eng);
        dnnl::lbr_gru_backward::primitive_desc b(dnnl::lbr_gru_backward::desc(prop_kind::backward,
                dir, src_md, it_md, wl_any, wi_any, bias_md, dst_md, it_md, src_md, it_md,
                wl_any, wi_any, bias_md, dst_md, it_md), eng, f);
        fpd = f, bpd = b;
        L.fwd = dnnl::lbr_gru_forward(f), L.bwd = dnnl::lbr_gru_backward(b);
    } else {
        auto act = L.cell == CELL_RNN_RELU ? algorithm::eltwise_relu : algorithm::eltwise_tanh;
        dnnl::vanilla_rnn_forward::primitive_desc f(dnnl::vanilla_rnn_forward::desc(fp, act, dir,
                src_md, it_md, wl_any, wi_any, bias_md, dst_md, it_md), eng);
        dnnl::vanilla_rnn_backward::primitive_desc b(dnnl::vanilla_rnn_backward::desc(
                prop_kind::backward, act, dir, src_md, it_md, wl_any, wi_any, bias_md,
                dst_md, it_md, src_md, it_md, wl_any, wi_any, bias_md, dst_md, it_md),
                eng, f);
        fpd = f, bpd = b;
        L.fwd = dnnl::vanilla_rnn_forward(f), L.bwd = dnnl::vanilla_rnn_backward(b);
    }
    L.src = memory(src_md, eng);
    L.dst = memory(dst_md, eng);
    L.ddst = memory(dst_md, eng);
    L.dsrc = memory(src_md, eng);
    for (memory *m : {&L.h0, &L.c0, &L.hT, &L.cT, &L.dhT, &L.dcT, &L.dh0, &L.dc0})
        *m = memory(it_md, eng);
    for (memory *m : {&L.h0, &L.c0, &L.dhT, &L.dcT})
        std::memset(m->get_data_handle(), 0, (size_t)(B * H) * sizeof(float));
    float *wl_data = L.identity ? L.wl_ones.data() : L.wl.w.data();
    L.wl_user = memory(md({1, 1, in, G, H}, tag::ldigo), eng, wl_data);
    L.wi_user = memory(md({1, 1, H, G, H}, tag::ldigo), eng, L.wi.w.data());
    L.bias_m = memory(bias_md, eng, L.bias.w.data());
    L.wl_fwd = reordered(fpd.query_md(query::weights_md, 0), L.wl_user, L.r_wl_fwd);
    L.wi_fwd = reordered(fpd.query_md(query::weights_md, 1), L.wi_user, L.r_wi_fwd);
    L.wl_bwd = reordered(bpd.query_md(query::weights_md, 0), L.wl_user, L.r_wl_bwd);
    L.wi_bwd = reordered(bpd.query_md(query::weights_md, 1), L.wi_user, L.r_wi_bwd);
    L.ws = memory(fpd.query_md(query::workspace_md, 0), eng);
    /* gradients: the identity layer's weights_layer gradient is thrown away */
    static vec scratch;
    L.dwl_user = memory(md({1, 1, in, G, H}, tag::ldigo), eng,
                        L.identity ? nullptr : L.wl.g.data());
    if (L.identity) {
        scratch.assign((size_t)(in * G * H), 0);
        L.dwl_user.set_data_handle(scratch.data());
    }
    L.dwi_user = memory(md({1, 1, H, G, H}, tag::ldigo), eng, L.wi.g.data());
    L.dbias = memory(bias_md, eng, L.bias.g.data());
    L.dwl = reordered(bpd.query_md(query::diff_weights_md, 0), L.dwl_user, L.r_dwl);
    L.dwi = reordered(bpd.query_md(query::diff_weights_md, 1), L.dwi_user, L.r_dwi);
    if (L.r_wl_fwd)
        L.re_wl_fwd = reorder(L.wl_user, L.wl_fwd);
    if (L.r_wi_fwd)
        L.re_wi_fwd = reorder(L.wi_user, L.wi_fwd);
    if (L.r_wl_bwd)
        L.re_wl_bwd = reorder(L.wl_user, L.wl_bwd);
    if (L.r_wi_bwd)
        L.re_wi_bwd = reorder(L.wi_user, L.wi_bwd);
    if (L.r_dwl && !L.identity)
        L.re_dwl = reorder(L.dwl, L.dwl_user);
    if (L.r_dwi)
        L.re_dwi = reorder(L.dwi, L.dwi_user);
    if (L.identity) { /* constant: into the primitives' layouts once */
        if (L.r_wl_fwd)
            L.re_wl_fwd.execute(strm, L.wl_user, L.wl_fwd);
        if (L.r_wl_bwd)
            L.re_wl_bwd.execute(strm, L.wl_user, L.wl_bwd);
        strm.wait();
        L.r_wl_fwd = L.r_wl_bwd = L.r_dwl = false;
    }
    L.fwd_args = {{DNNL_ARG_SRC_LAYER, L.src}, {DNNL_ARG_SRC_ITER, L.h0},
                  {DNNL_ARG_WEIGHTS_LAYER, L.wl_fwd}, {DNNL_ARG_WEIGHTS_ITER, L.wi_fwd},
                  {DNNL_ARG_BIAS, L.bias_m}, {DNNL_ARG_DST_LAYER, L.dst},
                  {DNNL_ARG_DST_ITER, L.hT}, {DNNL_ARG_WORKSPACE, L.ws}};
    L.bwd_args = {{DNNL_ARG_SRC_LAYER, L.src}, {DNNL_ARG_SRC_ITER, L.h0},
                  {DNNL_ARG_WEIGHTS_LAYER, L.wl_bwd}, {DNNL_ARG_WEIGHTS_ITER, L.wi_bwd},
                  {DNNL_ARG_BIAS, L.bias_m}, {DNNL_ARG_DST_LAYER, L.dst},
                  {DNNL_ARG_DST_ITER, L.hT}, {DNNL_ARG_WORKSPACE, L.ws},
                  {DNNL_ARG_DIFF_DST_LAYER, L.ddst}, {DNNL_ARG_DIFF_DST_ITER, L.dhT},
                  {DNNL_ARG_DIFF_SRC_LAYER, L.dsrc}, {DNNL_ARG_DIFF_SRC_ITER, L.dh0},
                  {DNNL_ARG_DIFF_WEIGHTS_LAYER, L.dwl}, {DNNL_ARG_DIFF_WEIGHTS_ITER, L.dwi},
                  {DNNL_ARG_DIFF_BIAS, L.dbias}};
    if (L.cell == CELL_LSTM) {
        L.fwd_args[DNNL_ARG_SRC_ITER_C] = L.c0;
        L.fwd_args[DNNL_ARG_DST_ITER_C] = L.cT;
        L.bwd_args[DNNL_ARG_SRC_ITER_C] = L.c0;
        L.bwd_args[DNNL_ARG_DST_ITER_C] = L.cT;
        L.bwd_args[DNNL_ARG_DIFF_DST_ITER_C] = L.dcT;
        L.bwd_args[DNNL_ARG_DIFF_SRC_ITER_C] = L.dc0;
    }
    L.out.resize((size_t)(T * B * H));
    L.dout.resize((size_t)(T * B * H));
    L.mask.resize((size_t)(T * B * H));
}

/* ---- the model ---------------------------------------------------------- */

struct net {
    int cell, onehot_dense, embedding;
    size_t V, E, H, L, B, T;
    double dropout;
    param emb, dec_w, dec_b;  /* (V, E), (V, H), (V) */
    std::vector<layer> layers;
    vec emb_mask;
    vec logits;               /* (T*B, V), then its gradient */
    std::vector<int32_t> ids, targets; /* time-major */
    std::vector<param *> params; /* every trained block (params_of), made once */
    std::mt19937_64 rng{7};
};

float *data(memory &m) { return static_cast<float *>(m.get_data_handle()); }

/* PyTorch's tensors (from our model, in its layout) into the net's; an
 * identity layer's W_ih is load_gathered's. */
void load_layer(layer &L, const vec &wih, const vec &whh, const vec &bih, const vec &bhh)
{
    size_t in = (size_t)L.in, H = (size_t)L.H, G = (size_t)L.G;
    if (L.identity) {
        L.wl_ones.assign(in * G * H, 0);
        for (size_t j = 0; j < G * H; j++)
            L.wl_ones[j * G * H + j] = 1;
    }
    for (size_t k = 0; k < G; k++) {
        size_t tg = (size_t)torch_gate(L.cell, (int)k);
        for (size_t o = 0; o < H; o++) {
            for (size_t i = 0; !L.identity && i < in; i++)
                L.wl.w[(i * G + k) * H + o] = wih[(tg * H + o) * in + i];
            for (size_t i = 0; i < H; i++)
                L.wi.w[(i * G + k) * H + o] = whh[(tg * H + o) * H + i];
            L.bias_ih.w[k * H + o] = bih[tg * H + o];
            L.bias_hh.w[k * H + o] = bhh[tg * H + o];
        }
    }
}

/* oneDNN's bias from PyTorch's two: summed per gate, but the GRU's
 * candidate takes b_in, and b_hn is the fourth (linear-before-reset) bias. */
void sum_biases(layer &L)
{
    size_t H = (size_t)L.H, G = (size_t)L.G;
    for (size_t k = 0; k < G; k++)
        for (size_t o = 0; o < H; o++)
            L.bias.w[k * H + o] = L.bias_ih.w[k * H + o] +
                                  (L.cell == CELL_GRU && k == 2 ? 0 : L.bias_hh.w[k * H + o]);
    if (L.cell == CELL_GRU)
        for (size_t o = 0; o < H; o++)
            L.bias.w[3 * H + o] = L.bias_hh.w[2 * H + o];
}

/* The gradient of oneDNN's bias back to both of PyTorch's. */
void split_bias_grad(layer &L)
{
    size_t H = (size_t)L.H, G = (size_t)L.G;
    for (size_t k = 0; k < G; k++)
        for (size_t o = 0; o < H; o++) {
            float g = L.bias.g[k * H + o];
            L.bias_ih.g[k * H + o] = g;
            L.bias_hh.g[k * H + o] = L.cell == CELL_GRU && k == 2 ? L.bias.g[3 * H + o] : g;
        }
}

/* A one-hot first layer above 64 tokens keeps W_ih as (V, G*H) rows in
 * oneDNN's gate order, gathered per token. */
void load_gathered(layer &L, param &rows, const vec &wih, size_t V)
{
    size_t H = (size_t)L.H, G = (size_t)L.G;
    rows.w.assign(V * G * H, 0);
    rows.g.assign(V * G * H, 0);
    for (size_t k = 0; k < G; k++) {
        size_t tg = (size_t)torch_gate(L.cell, (int)k);
        for (size_t o = 0; o < H; o++)
            for (size_t v = 0; v < V; v++)
                rows.w[v * G * H + k * H + o] = wih[(tg * H + o) * V + v];
    }
}

std::vector<param *> params_of(net &n);

struct model_io {
    const struct model *m;
    vec get(const char *name) const
    {
        const struct model_tensor *t = model_find(m, name);
        vec out(t->rows * t->cols);
        std::vector<real> tmp(t->rows * t->cols);
        model_get_tensor(m, t, tmp.data());
        std::copy(tmp.begin(), tmp.end(), out.begin());
        return out;
    }
};

param gathered;     /* the gathered W_ih (identity mode) */
bool force_gather;  /* --check: the gathered path on a small vocabulary too */

void init_param(param &p, size_t n)
{
    p.w.assign(n, 0);
    p.g.assign(n, 0);
    p.m.assign(n, 0);
    p.v.assign(n, 0);
}

void build_net(net &n, const struct model *m, size_t B, size_t T)
{
    const struct model_spec *s = &m->spec;
    n.cell = s->cell;
    n.V = s->V, n.E = s->E, n.H = s->H, n.L = s->L, n.B = B, n.T = T;
    n.embedding = s->embedding;
    n.dropout = s->dropout;
    n.onehot_dense = !s->embedding && s->V <= 64 && !force_gather;
    model_io io{m};
    if (n.embedding) {
        init_param(n.emb, n.V * n.E);
        n.emb.w = io.get("embedding.weight");
    }
    init_param(n.dec_w, n.V * n.H);
    init_param(n.dec_b, n.V);
    n.dec_w.w = io.get("dense.weight");
    n.dec_b.w = io.get("dense.bias");
    n.layers.resize(n.L);
    size_t G = (size_t)gates_of(n.cell);
    for (size_t l = 0; l < n.L; l++) {
        layer &L = n.layers[l];
        L.cell = n.cell;
        L.T = (memory::dim)T, L.B = (memory::dim)B, L.H = (memory::dim)n.H;
        L.G = (memory::dim)G, L.Gb = n.cell == CELL_GRU ? 4 : (memory::dim)G;
        L.identity = l == 0 && !n.embedding && !n.onehot_dense;
        L.in = (memory::dim)(l > 0 ? n.H : n.embedding ? n.E : L.identity ? G * n.H : n.V);
        init_param(L.wl, L.identity ? 0 : (size_t)L.in * G * n.H);
        init_param(L.wi, n.H * G * n.H);
        init_param(L.bias, (size_t)L.Gb * n.H);
        init_param(L.bias_ih, G * n.H);
        init_param(L.bias_hh, G * n.H);
        char name[64];
        snprintf(name, sizeof name, "rnn.weight_ih_l%zu", l);
        vec wih = io.get(name);
        snprintf(name, sizeof name, "rnn.weight_hh_l%zu", l);
        vec whh = io.get(name);
        snprintf(name, sizeof name, "rnn.bias_ih_l%zu", l);
        vec bih = io.get(name);
        snprintf(name, sizeof name, "rnn.bias_hh_l%zu", l);
        vec bhh = io.get(name);
        load_layer(L, wih, whh, bih, bhh);
        sum_biases(L);
        if (L.identity) {
            load_gathered(L, gathered, wih, n.V);
            gathered.m.assign(gathered.w.size(), 0);
            gathered.v.assign(gathered.w.size(), 0);
        }
        build_layer(L);
    }
    n.params = params_of(n);
    n.emb_mask.resize(n.embedding ? T * B * n.E : 0);
    n.logits.resize(T * B * n.V);
    n.ids.resize(T * B);
    n.targets.resize(T * B);
}

/* Inverted dropout: y = x * mask, mask 1/(1-p) or 0 (one 32-bit draw each,
 * as ours). */
void drop(net &n, float *y, float *mask, const float *x, size_t count)
{
    uint32_t threshold = (uint32_t)(n.dropout * 4294967296.0);
    float keep = (float)(1 / (1 - n.dropout));
    for (size_t i = 0; i < count; i++) {
        mask[i] = (uint32_t)(n.rng() >> 32) >= threshold ? keep : 0;
        y[i] = x[i] * mask[i];
    }
}

void reorder_into(reorder &r, memory &from, memory &to, bool needed)
{
    if (needed)
        r.execute(strm, from, to);
}

/* Row r of the logits (V of them) into the gradient of the mean
 * cross-entropy over `rows` rows, in place; returns the row's loss. */
RNNLAB_KERNEL
static double softmax_row(float *z, size_t V, int32_t target, size_t rows)
{
    float mx = *std::max_element(z, z + V), zt = z[target];
    float lanes[8] = {0}, sum = 0; /* 8 partial sums, as ours: vectorised */
    size_t j = 0;
    for (; j + 8 <= V; j += 8)
        for (size_t k = 0; k < 8; k++) {
            z[j + k] = r_exp(z[j + k] - mx);
            lanes[k] += z[j + k];
        }
    for (; j < V; j++) {
        z[j] = r_exp(z[j] - mx);
        sum += z[j];
    }
    for (size_t k = 0; k < 8; k++)
        sum += lanes[k];
    float scale = 1.f / (sum * (float)rows);
    for (size_t i = 0; i < V; i++)
        z[i] *= scale;
    z[target] -= 1.f / (float)rows;
    return std::log((double)sum) + mx - zt;
}

/* Forward of the whole net on X, Y (B, T) batch-major; returns the mean
 * cross-entropy and leaves d loss / d logits in n.logits. */
double forward(net &n, const int32_t *X, const int32_t *Y, bool train)
{
    size_t B = n.B, T = n.T, rows = B * T, V = n.V, H = n.H;
    for (size_t b = 0; b < B; b++)
        for (size_t t = 0; t < T; t++) {
            n.ids[t * B + b] = X[b * T + t];
            n.targets[t * B + b] = Y[b * T + t];
        }
    layer &L0 = n.layers[0];
    float *x0 = data(L0.src);
    size_t in0 = (size_t)L0.in;
    if (n.embedding) {
        for (size_t r = 0; r < rows; r++)
            std::memcpy(x0 + r * n.E, &n.emb.w[(size_t)n.ids[r] * n.E], n.E * sizeof(float));
        if (train && n.dropout > 0)
            drop(n, x0, n.emb_mask.data(), x0, rows * n.E);
    } else if (n.onehot_dense) {
        std::memset(x0, 0, rows * in0 * sizeof(float));
        for (size_t r = 0; r < rows; r++)
            x0[r * in0 + (size_t)n.ids[r]] = 1;
    } else {
        for (size_t r = 0; r < rows; r++)
            std::memcpy(x0 + r * in0, &gathered.w[(size_t)n.ids[r] * in0], in0 * sizeof(float));
    }
    const float *x = nullptr;
    for (size_t l = 0; l < n.L; l++) {
        layer &L = n.layers[l];
        if (l > 0)
            std::memcpy(data(L.src), x, rows * H * sizeof(float));
        sum_biases(L);
        reorder_into(L.re_wl_fwd, L.wl_user, L.wl_fwd, L.r_wl_fwd);
        reorder_into(L.re_wi_fwd, L.wi_user, L.wi_fwd, L.r_wi_fwd);
        L.fwd.execute(strm, L.fwd_args);
        strm.wait();
        if (train && n.dropout > 0)
            drop(n, L.out.data(), L.mask.data(), data(L.dst), rows * H);
        else
            std::memcpy(L.out.data(), data(L.dst), rows * H * sizeof(float));
        x = L.out.data();
    }
    /* decoder: logits = x W^T + b, one product over all T*B rows */
    for (size_t r = 0; r < rows; r++)
        std::memcpy(&n.logits[r * V], n.dec_b.w.data(), V * sizeof(float));
    dnnl_sgemm('N', 'T', (dnnl_dim_t)rows, (dnnl_dim_t)V, (dnnl_dim_t)H, 1, x,
               (dnnl_dim_t)H, n.dec_w.w.data(), (dnnl_dim_t)H, 1, n.logits.data(),
               (dnnl_dim_t)V);
    /* softmax cross-entropy with the same vectorised exp as ours (real.h,
     * in a kernel built as ours are: RNNLAB_KERNEL): the peer measures
     * oneDNN's RNN and sgemm, not libm, nor a baseline build's exp */
    double total = 0;
    for (size_t r = 0; r < rows; r++)
        total += softmax_row(&n.logits[r * V], V, n.targets[r], rows);
    return total / (double)rows;
}

void zero_grads(net &n)
{
    for (param *p : {&n.emb, &n.dec_w, &n.dec_b, &gathered})
        std::fill(p->g.begin(), p->g.end(), 0.f);
    for (layer &L : n.layers)
        for (param *p : {&L.wl, &L.wi, &L.bias_ih, &L.bias_hh})
            std::fill(p->g.begin(), p->g.end(), 0.f);
}

void backward(net &n, bool train)
{
    size_t B = n.B, T = n.T, rows = B * T, V = n.V, H = n.H;
    const float *x_last = n.layers[n.L - 1].out.data();
    dnnl_sgemm('T', 'N', (dnnl_dim_t)V, (dnnl_dim_t)H, (dnnl_dim_t)rows, 1,
               n.logits.data(), (dnnl_dim_t)V, x_last, (dnnl_dim_t)H, 1,
               n.dec_w.g.data(), (dnnl_dim_t)H);
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < V; j++)
            n.dec_b.g[j] += n.logits[r * V + j];
    layer &top = n.layers[n.L - 1];
    dnnl_sgemm('N', 'N', (dnnl_dim_t)rows, (dnnl_dim_t)H, (dnnl_dim_t)V, 1,
               n.logits.data(), (dnnl_dim_t)V, n.dec_w.w.data(), (dnnl_dim_t)H, 0,
               data(top.ddst), (dnnl_dim_t)H);
    for (size_t l = n.L; l-- > 0;) {
        layer &L = n.layers[l];
        float *dd = data(L.ddst);
        if (train && n.dropout > 0)
            for (size_t i = 0; i < rows * H; i++)
                dd[i] *= L.mask[i];
        reorder_into(L.re_wl_bwd, L.wl_user, L.wl_bwd, L.r_wl_bwd);
        reorder_into(L.re_wi_bwd, L.wi_user, L.wi_bwd, L.r_wi_bwd);
        /* oneDNN accumulates weight gradients: they start at zero */
        for (memory *m : {&L.dwl, &L.dwi})
            std::memset(m->get_data_handle(), 0, m->get_desc().get_size());
        std::memset(L.dbias.get_data_handle(), 0, L.dbias.get_desc().get_size());
        L.bwd.execute(strm, L.bwd_args);
        reorder_into(L.re_dwl, L.dwl, L.dwl_user, L.r_dwl);
        reorder_into(L.re_dwi, L.dwi, L.dwi_user, L.r_dwi);
        strm.wait();
        split_bias_grad(L);
        if (l > 0)
            std::memcpy(data(n.layers[l - 1].ddst), data(L.dsrc), rows * H * sizeof(float));
    }
    layer &L0 = n.layers[0];
    const float *d0 = data(L0.dsrc);
    size_t in0 = (size_t)L0.in;
    if (n.embedding)
        for (size_t r = 0; r < rows; r++) {
            float *g = &n.emb.g[(size_t)n.ids[r] * n.E];
            for (size_t j = 0; j < n.E; j++)
                g[j] += d0[r * n.E + j] * (train && n.dropout > 0 ? n.emb_mask[r * n.E + j] : 1);
        }
    else if (L0.identity)
        for (size_t r = 0; r < rows; r++) {
            float *g = &gathered.g[(size_t)n.ids[r] * in0];
            for (size_t j = 0; j < in0; j++)
                g[j] += d0[r * in0 + j];
        }
}

/* Every parameter block with its gradient. */
std::vector<param *> params_of(net &n)
{
    std::vector<param *> out;
    for (param *p : {&n.emb, &gathered, &n.dec_w, &n.dec_b})
        if (!p->w.empty())
            out.push_back(p);
    for (layer &L : n.layers)
        for (param *p : {&L.wl, &L.wi, &L.bias_ih, &L.bias_hh})
            if (!p->w.empty())
                out.push_back(p);
    return out;
}

/* Global-norm clipping and the optimizer step (torch.optim's SGD and Adam). */
void update(net &n, const struct config *cfg, long step)
{
    const std::vector<param *> &ps = n.params;
    double sq = 0;
    for (param *p : ps)
        for (float g : p->g)
            sq += (double)g * g;
    double norm = std::sqrt(sq), max = cfg->clip.max_norm;
    float scale = max > 0 && norm > max ? (float)(max / norm) : 1.f; /* d2l's, as ours */
    const struct optimizer_config *o = &cfg->optimizer;
    float lr = (float)o->lr;
    for (param *p : ps) {
        size_t count = p->w.size();
        if (o->kind == OPTIM_ADAM) {
            double b1 = o->betas[0], b2 = o->betas[1];
            double c1 = 1 - std::pow(b1, (double)step), c2 = 1 - std::pow(b2, (double)step);
            for (size_t i = 0; i < count; i++) {
                float g = p->g[i] * scale;
                p->m[i] = (float)(b1 * p->m[i] + (1 - b1) * g);
                p->v[i] = (float)(b2 * p->v[i] + (1 - b2) * g * g);
                double denom = std::sqrt(p->v[i] / c2) + o->eps;
                p->w[i] -= (float)(lr / c1 * p->m[i] / denom);
            }
        } else {
            for (size_t i = 0; i < count; i++)
                p->w[i] -= lr * scale * p->g[i];
        }
    }
}

/* The next step's state: the last one's final state (sequential, d2l's
 * detach), as bench_train carries it. */
void carry(net &n)
{
    for (layer &L : n.layers) {
        size_t bytes = (size_t)(L.B * L.H) * sizeof(float);
        std::memcpy(L.h0.get_data_handle(), L.hT.get_data_handle(), bytes);
        if (L.cell == CELL_LSTM)
            std::memcpy(L.c0.get_data_handle(), L.cT.get_data_handle(), bytes);
    }
}

void reset_state(net &n)
{
    for (layer &L : n.layers)
        for (memory *m : {&L.h0, &L.c0})
            std::memset(m->get_data_handle(), 0, (size_t)(L.B * L.H) * sizeof(float));
}

/* ---- --check: one step against a PyTorch fixture ------------------------ */

int attr(hid_t f, const char *name)
{
    int v = 0;
    H5LTget_attribute_int(f, "/", name, &v);
    return v;
}

std::vector<double> read_doubles(hid_t f, const std::string &name, size_t count)
{
    std::vector<double> out(count);
    if (H5LTread_dataset_double(f, name.c_str(), out.data()) < 0)
        throw std::runtime_error("cannot read " + name);
    return out;
}

/* Largest |a - b| over the largest |b|: the error relative to the tensor. */
double rel_error(const float *a, const std::vector<double> &b)
{
    double err = 0, scale = 1e-30;
    for (size_t i = 0; i < b.size(); i++) {
        err = std::max(err, std::fabs((double)a[i] - b[i]));
        scale = std::max(scale, std::fabs(b[i]));
    }
    return err / scale;
}

/* A gradient block back in PyTorch's layout (gate order and biases). */
vec torch_grad(const net &n, size_t l, const char *what)
{
    const layer &L = n.layers[l];
    size_t in = (size_t)L.in, H = (size_t)L.H, G = (size_t)L.G;
    bool ih = !std::strcmp(what, "weight_ih"), hh = !std::strcmp(what, "weight_hh");
    vec out((ih ? (L.identity ? n.V : in) : hh ? H : 1) * G * H);
    for (size_t k = 0; k < G; k++) {
        size_t tg = (size_t)torch_gate(L.cell, (int)k);
        for (size_t o = 0; o < H; o++) {
            if (ih && L.identity)
                for (size_t v = 0; v < n.V; v++)
                    out[(tg * H + o) * n.V + v] = gathered.g[v * G * H + k * H + o];
            else if (ih)
                for (size_t i = 0; i < in; i++)
                    out[(tg * H + o) * in + i] = L.wl.g[(i * G + k) * H + o];
            else if (hh)
                for (size_t i = 0; i < H; i++)
                    out[(tg * H + o) * H + i] = L.wi.g[(i * G + k) * H + o];
            else if (!std::strcmp(what, "bias_ih"))
                out[tg * H + o] = L.bias_ih.g[k * H + o];
            else
                out[tg * H + o] = L.bias_hh.g[k * H + o];
        }
    }
    return out;
}

int check_fixture(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        fprintf(stderr, "bench_dnnl: cannot open %s\n", path);
        return 2;
    }
    /* the cell from the file's name, <cell>_<shape>.h5, as test_reference */
    std::string base = std::strrchr(path, '/') ? std::strrchr(path, '/') + 1 : path;
    int cell = base.rfind("lstm_", 0) == 0 ? CELL_LSTM : base.rfind("gru_", 0) == 0
               ? CELL_GRU : base.rfind("rnn_relu_", 0) == 0 ? CELL_RNN_RELU : CELL_RNN_TANH;
    struct model_spec s = {};
    s.cell = cell, s.V = (size_t)attr(f, "V"), s.E = (size_t)attr(f, "E");
    s.H = (size_t)attr(f, "H"), s.L = (size_t)attr(f, "L");
    s.embedding = attr(f, "embedding");
    size_t B = (size_t)attr(f, "B"), T = (size_t)attr(f, "T");
    struct model *m;
    struct err e;
    if (model_create(&s, B, T, 1, &m, &e) < 0)
        return 2;
    std::vector<real> buf(65536);
    for (size_t i = 0; i < m->ntensors; i++) {
        std::string name = std::string("/weights/") + m->tensors[i].name;
        H5LTread_dataset_float(f, name.c_str(), buf.data());
        model_set_tensor(m, &m->tensors[i], buf.data());
    }
    net n;
    build_net(n, m, B, T);
    size_t state = B * s.H;
    std::vector<float> h0(s.L * state), c0(s.L * state);
    H5LTread_dataset_float(f, "/h0", h0.data());
    if (cell == CELL_LSTM)
        H5LTread_dataset_float(f, "/c0", c0.data());
    for (size_t l = 0; l < s.L; l++) {
        std::memcpy(n.layers[l].h0.get_data_handle(), &h0[l * state], state * sizeof(float));
        std::memcpy(n.layers[l].c0.get_data_handle(), &c0[l * state], state * sizeof(float));
    }
    std::vector<int32_t> X(B * T), Y(B * T);
    H5LTread_dataset_int(f, "/X", X.data());
    H5LTread_dataset_int(f, "/Y", Y.data());
    zero_grads(n);
    double loss = forward(n, X.data(), Y.data(), false);
    double worst = 0;
    auto report = [&](const std::string &what, double err) {
        worst = std::max(worst, err);
        if (err > CHECK_TOL)
            printf("  %s: relative error %.2e\n", what.c_str(), err);
    };
    std::vector<double> ref = read_doubles(f, "/loss", 1);
    report("loss", std::fabs(loss - ref[0]) / std::fabs(ref[0]));
    /* logits are overwritten by their gradient: recompute them */
    {
        vec logits(n.logits.size());
        const float *x = n.layers[s.L - 1].out.data();
        for (size_t r = 0; r < B * T; r++)
            std::memcpy(&logits[r * s.V], n.dec_b.w.data(), s.V * sizeof(float));
        dnnl_sgemm('N', 'T', (dnnl_dim_t)(B * T), (dnnl_dim_t)s.V, (dnnl_dim_t)s.H, 1, x,
                   (dnnl_dim_t)s.H, n.dec_w.w.data(), (dnnl_dim_t)s.H, 1, logits.data(),
                   (dnnl_dim_t)s.V);
        report("logits", rel_error(logits.data(), read_doubles(f, "/logits", logits.size())));
    }
    backward(n, false);
    if (s.embedding)
        report("embedding.weight", rel_error(n.emb.g.data(),
               read_doubles(f, "/grads/embedding.weight", n.emb.g.size())));
    report("dense.weight", rel_error(n.dec_w.g.data(),
           read_doubles(f, "/grads/dense.weight", n.dec_w.g.size())));
    report("dense.bias", rel_error(n.dec_b.g.data(),
           read_doubles(f, "/grads/dense.bias", n.dec_b.g.size())));
    for (size_t l = 0; l < s.L; l++)
        for (const char *what : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
            vec g = torch_grad(n, l, what);
            std::string name = "/grads/rnn." + std::string(what) + "_l" + std::to_string(l);
            report(name, rel_error(g.data(), read_doubles(f, name, g.size())));
        }
    std::vector<double> dh0 = read_doubles(f, "/dh0", s.L * state);
    for (size_t l = 0; l < s.L; l++)
        report("dh0", rel_error(data(n.layers[l].dh0),
               std::vector<double>(dh0.begin() + (long)(l * state),
                                   dh0.begin() + (long)((l + 1) * state))));
    printf("%s%s: largest relative error %.2e (%s)\n", path,
           force_gather ? " (gathered input)" : "", worst, worst <= CHECK_TOL ? "ok" : "FAILED");
    model_free(m);
    H5Fclose(f);
    return worst <= CHECK_TOL ? 0 : 1;
}

/* the --sgemm rate, timed as tests/bench_gemm.c times OpenBLAS's */
int sgemm_rate()
{
    const dnnl_dim_t n = 2048;
    vec a((size_t)(3 * n * n));
    for (size_t i = 0; i < a.size(); i++)
        a[i] = (float)((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
    float *b = a.data() + n * n, *c = b + n * n;
    double best = 0;
    for (int rep = 0; rep < 6; rep++) {
        double t0 = train_now();
        if (dnnl_sgemm('N', 'N', n, n, n, 1, a.data(), n, b, n, 0, c, n)
            != dnnl_success) {
            std::fprintf(stderr, "bench_dnnl: dnnl_sgemm failed\n");
            return 1;
        }
        double rate = 2.0 * (double)n * (double)n * (double)n
                      / (train_now() - t0) * 1e-9;
        if (rep > 0 && rate > best)
            best = rate;
    }
    std::printf("gflops=%.1f\n", best);
    return 0;
}

} /* namespace */

int main(int argc, char **argv)
{
    if (argc >= 2 && !std::strcmp(argv[1], "--sgemm")) {
        if (argc > 2) {
            std::fprintf(stderr, "bench_dnnl: --sgemm takes no arguments (got '%s')\n",
                         argv[2]);
            return 2;
        }
        return sgemm_rate();
    }
    if (argc >= 2 && !std::strcmp(argv[1], "--check")) { /* the fixtures */
        int rc = 0;
        for (int i = 2; i < argc; i++) {
            force_gather = false;
            rc |= check_fixture(argv[i]);
            if (std::strstr(argv[i], "onehot")) { /* and the gathered input */
                force_gather = true;
                rc |= check_fixture(argv[i]);
            }
        }
        return rc;
    }
    struct bench b;
    if (bench_setup("bench_dnnl", argc, argv, &b))
        return 2;
    struct trainer *t = b.t;
    net n;
    build_net(n, t->model, t->sampler->B, t->sampler->T);
    double loss = 0, start = 0;
    for (long i = 0; i < b.warmup + b.batches; i++) {
        if (i == b.warmup)
            start = train_now();
        if (bench_next_batch(&b))
            reset_state(n); /* an epoch starts from zeros, as ours */
        zero_grads(n);
        loss = forward(n, t->X, t->Y, true);
        backward(n, true);
        update(n, &b.cfg, i + 1);
        carry(n);
    }
    bench_report(&b, train_now() - start, loss);
    bench_free(&b);
    return 0;
}
