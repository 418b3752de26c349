/* Multi-index hashing kernels for 256-bit PDQ hashes (see crible/index/tables.py for the
 * structure and why it wins).  Only the CPython C API and the buffer protocol are used.
 *
 * A hash is 32 bytes, bit 0 being the most significant bit of byte 0.  Chunk i covers bits
 * [start, start + bits); its key is split into a directory part (the top dir_bits bits) and a
 * low part (the rest, at most 8 bits).  Per chunk, `dir` holds 2^dir_bits + 1 uint32 offsets
 * into `entries`, n uint32 words sorted by directory slot, each (low << row_bits) | row.
 *
 * Every kernel releases the GIL; results come back as (lims int64[q+1], rows uint32[],
 * dists uint8[]) bytes objects, rows of query k being rows[lims[k]:lims[k+1]], ordered by
 * (distance, row).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHUNKS 64
#define HASH_BYTES 32
/* Prefetch distances, in probes, for the directory slot and for the slot's entries. */
#define DIR_AHEAD 16
#define ENTRY_AHEAD 8
/* Candidates are verified in blocks once this many wait (their hash lines fit in L2). */
#define VERIFY_BLOCK 4096
/* Brute-force scans compare each block of rows (kept in L2) with every query. */
#define SCAN_BLOCK 4096

#if !defined(__GNUC__)
#error "crible's index kernels need gcc or clang (__builtin_popcountll, __builtin_prefetch)"
#endif
#define PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 3)
#define POPCOUNT64(x) __builtin_popcountll(x)
#define CTZ64(x) __builtin_ctzll(x)

/* ---------------------------------------------------------------- growable outputs */

typedef struct {
    uint32_t *rows;
    uint8_t *dists;
    size_t len, cap;
} hits_t;

static int hits_push(hits_t *h, uint32_t row, int dist) {
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        uint32_t *rows = realloc(h->rows, cap * sizeof(uint32_t));
        if (!rows) return -1;
        h->rows = rows;
        uint8_t *dists = realloc(h->dists, cap);
        if (!dists) return -1;
        h->dists = dists;
        h->cap = cap;
    }
    h->rows[h->len] = row;
    h->dists[h->len] = (uint8_t)dist;
    h->len++;
    return 0;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Order hits [begin, len) by (distance, row): rows are sorted by id, so nearest first, then
 * by id, which spares the caller a sort. */
static int hits_sort(hits_t *h, size_t begin) {
    size_t count = h->len - begin;
    if (count < 2) return 0;
    uint64_t small[32];
    uint64_t *keys = count <= 32 ? small : malloc(count * sizeof(uint64_t));
    if (!keys) return -1;
    for (size_t i = 0; i < count; i++)
        keys[i] = ((uint64_t)h->dists[begin + i] << 32) | h->rows[begin + i];
    if (count <= 32) {
        for (size_t i = 1; i < count; i++) {
            uint64_t k = keys[i];
            size_t j = i;
            for (; j > 0 && keys[j - 1] > k; j--) keys[j] = keys[j - 1];
            keys[j] = k;
        }
    } else {
        qsort(keys, count, sizeof(uint64_t), cmp_u64);
    }
    for (size_t i = 0; i < count; i++) {
        h->rows[begin + i] = (uint32_t)keys[i];
        h->dists[begin + i] = (uint8_t)(keys[i] >> 32);
    }
    if (keys != small) free(keys);
    return 0;
}

static void hits_free(hits_t *h) {
    free(h->rows);
    free(h->dists);
}

/* (lims, rows, dists) as bytes; frees nothing. */
static PyObject *hits_result(const int64_t *lims, Py_ssize_t q, const hits_t *h) {
    PyObject *l = PyBytes_FromStringAndSize((const char *)lims, (q + 1) * (Py_ssize_t)sizeof(int64_t));
    PyObject *r = PyBytes_FromStringAndSize((const char *)h->rows, (Py_ssize_t)(h->len * sizeof(uint32_t)));
    PyObject *d = PyBytes_FromStringAndSize((const char *)h->dists, (Py_ssize_t)h->len);
    if (!l || !r || !d) {
        Py_XDECREF(l);
        Py_XDECREF(r);
        Py_XDECREF(d);
        return NULL;
    }
    return Py_BuildValue("(NNN)", l, r, d);
}

/* ---------------------------------------------------------------- bit helpers */

static inline uint64_t load_be64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

static inline void load_words(const uint8_t *h, uint64_t w[4]) {
    for (int i = 0; i < 4; i++) w[i] = load_be64(h + 8 * i);
}

/* Bits [start, start + bits) of a hash given as 4 big-endian words; bits <= 32. */
static inline uint32_t extract(const uint64_t w[4], int start, int bits) {
    int word = start >> 6, off = start & 63;
    uint64_t v = w[word] << off;
    if (off && word < 3) v |= w[word + 1] >> (64 - off);
    return (uint32_t)(v >> (64 - bits));
}

static inline int distance(const uint8_t *a, const uint8_t *b) {
    uint64_t x[4], y[4];
    memcpy(x, a, HASH_BYTES);
    memcpy(y, b, HASH_BYTES);
    return POPCOUNT64(x[0] ^ y[0]) + POPCOUNT64(x[1] ^ y[1]) + POPCOUNT64(x[2] ^ y[2]) +
           POPCOUNT64(x[3] ^ y[3]);
}

/* Number of patterns of weight <= r over d bits. */
static size_t ball_size(int d, int r) {
    size_t total = 0, c = 1;
    for (int w = 0; w <= r && w <= d; w++) {
        total += c;
        c = c * (size_t)(d - w) / (size_t)(w + 1);
    }
    return total;
}

/* ---------------------------------------------------------------- brute force */

/* Every row of hashes[0:n] (not dead) within threshold of each query. */
static int scan_rows(const uint8_t *hashes, Py_ssize_t n, const uint8_t *dead,
                     const uint8_t *queries, Py_ssize_t q, int threshold, int64_t *lims,
                     hits_t *out) {
    /* Query-major within a block of rows; hits are gathered per block and regrouped. */
    hits_t *per = calloc((size_t)(q ? q : 1), sizeof(hits_t));
    if (!per) return -1;
    int rc = 0;
    for (Py_ssize_t b = 0; b < n && rc == 0; b += SCAN_BLOCK) {
        Py_ssize_t e = b + SCAN_BLOCK < n ? b + SCAN_BLOCK : n;
        for (Py_ssize_t k = 0; k < q && rc == 0; k++) {
            const uint8_t *qh = queries + k * HASH_BYTES;
            for (Py_ssize_t row = b; row < e; row++) {
                int d = distance(qh, hashes + row * HASH_BYTES);
                if (d <= threshold && !dead[row] && hits_push(&per[k], (uint32_t)row, d)) {
                    rc = -1;
                    break;
                }
            }
        }
    }
    lims[0] = 0;
    for (Py_ssize_t k = 0; k < q; k++) {
        size_t begin = out->len;
        for (size_t i = 0; i < per[k].len && rc == 0; i++)
            if (hits_push(out, per[k].rows[i], per[k].dists[i])) rc = -1;
        if (rc == 0 && hits_sort(out, begin)) rc = -1;
        lims[k + 1] = (int64_t)out->len;
        hits_free(&per[k]);
    }
    free(per);
    return rc;
}

/* ---------------------------------------------------------------- the tables */

typedef struct {
    int start, bits, dir_bits, low_bits;
    Py_ssize_t dir_offset;
} chunk_t;

typedef struct {
    PyObject_HEAD
    Py_buffer hashes, dirs, entries, dead;
    int have_buffers;
    Py_ssize_t n;
    int m, row_bits;
    chunk_t chunks[MAX_CHUNKS];
} TablesObject;

typedef struct {
    const uint32_t *slot; /* the directory slot: entries [slot[0], slot[1]) */
    uint32_t begin, end;
    uint32_t qlow;
    uint8_t chunk, rem;
} probe_t;

typedef struct {
    probe_t *probes;
    uint64_t *cands; /* (row << 8) | chunk */
    size_t cand_len, cand_cap;
} scratch_t;

static int cand_reserve(scratch_t *s, size_t need) {
    size_t cap = s->cand_cap ? s->cand_cap : 4096;
    while (cap < need) cap *= 2;
    uint64_t *p = realloc(s->cands, cap * sizeof(uint64_t));
    if (!p) return -1;
    s->cands = p;
    s->cand_cap = cap;
    return 0;
}

/* Fill the probe list of one query: every directory slot within radius of each chunk key. */
static size_t make_probes(const TablesObject *t, const uint32_t *qkeys, const int *radii,
                          probe_t *probes) {
    const uint32_t *dirs = (const uint32_t *)t->dirs.buf;
    size_t p = 0;
    for (int i = 0; i < t->m; i++) {
        const chunk_t *c = &t->chunks[i];
        int r = radii[i];
        if (r < 0) continue;
        uint32_t qdir = qkeys[i] >> c->low_bits;
        uint32_t qlow = qkeys[i] & ((1u << c->low_bits) - 1u);
        const uint32_t *dir = dirs + c->dir_offset;
        uint64_t limit = (uint64_t)1 << c->dir_bits;
        for (int w = 0; w <= r && w <= c->dir_bits; w++) {
            /* Gosper's hack: every pattern of w bits set among dir_bits. */
            uint64_t pat = ((uint64_t)1 << w) - 1;
            while (pat < limit) {
                probe_t *pr = &probes[p++];
                pr->slot = dir + (qdir ^ (uint32_t)pat);
                pr->qlow = qlow;
                pr->chunk = (uint8_t)i;
                pr->rem = (uint8_t)(r - w);
                if (w == 0) break;
                uint64_t ripple = pat + (pat & (~pat + 1));
                pat = ripple | (((pat ^ ripple) >> 2) >> CTZ64(pat));
            }
        }
    }
    return p;
}

/* Scan one slot's entries, keeping those whose low bits are within the remaining radius. */
static inline int scan_slot(const TablesObject *t, const probe_t *pr, scratch_t *s) {
    const chunk_t *c = &t->chunks[pr->chunk];
    const uint32_t *entries = (const uint32_t *)t->entries.buf + (Py_ssize_t)pr->chunk * t->n;
    const uint8_t *hashes = (const uint8_t *)t->hashes.buf;
    uint32_t rowmask = t->row_bits >= 32 ? 0xffffffffu : ((1u << t->row_bits) - 1u);
    if (s->cand_len + (pr->end - pr->begin) > s->cand_cap &&
        cand_reserve(s, s->cand_len + (pr->end - pr->begin)))
        return -1;
    uint64_t *out = s->cands;
    size_t len = s->cand_len;
    int all = pr->rem >= c->low_bits;
    for (uint32_t x = pr->begin; x < pr->end; x++) {
        uint32_t ent = entries[x];
        if (!all && POPCOUNT64(((uint64_t)ent >> t->row_bits) ^ pr->qlow) > pr->rem) continue;
        uint32_t row = ent & rowmask;
        if ((Py_ssize_t)row >= t->n) continue; /* a corrupt table never reads out of bounds */
        PREFETCH(hashes + (size_t)row * HASH_BYTES);
        out[len++] = ((uint64_t)row << 8) | pr->chunk;
    }
    s->cand_len = len;
    return 0;
}

/* Check one candidate with the full popcount; report it once, from its first chunk. */
static inline int verify(const TablesObject *t, const uint8_t *query, int threshold,
                         const int *radii, const uint32_t *qkeys, uint64_t cand, hits_t *out) {
    uint32_t row = (uint32_t)(cand >> 8);
    int chunk = (int)(cand & 0xff);
    const uint8_t *h = (const uint8_t *)t->hashes.buf + (size_t)row * HASH_BYTES;
    int d = distance(query, h);
    if (d > threshold || ((const uint8_t *)t->dead.buf)[row]) return 0;
    /* A row in the balls of several chunks is reported only from the first of them. */
    uint64_t hw[4];
    load_words(h, hw);
    for (int j = 0; j < chunk; j++) {
        if (radii[j] < 0) continue;
        uint32_t key = extract(hw, t->chunks[j].start, t->chunks[j].bits);
        if (POPCOUNT64((uint64_t)(key ^ qkeys[j])) <= radii[j]) return 0;
    }
    return hits_push(out, row, d);
}

/* Verify candidates [*checked, stop), in a tight loop of its own: verifying them one by one
 * as the scan finds them measured 2x slower. */
static int verify_range(const TablesObject *t, const uint8_t *query, int threshold,
                        const int *radii, const uint32_t *qkeys, const scratch_t *s,
                        size_t *checked, size_t stop, hits_t *out) {
    const uint8_t *hashes = (const uint8_t *)t->hashes.buf;
    for (size_t x = *checked; x < stop; x++) {
        if (x + 16 < stop) PREFETCH(hashes + (size_t)(s->cands[x + 16] >> 8) * HASH_BYTES);
        if (verify(t, query, threshold, radii, qkeys, s->cands[x], out)) return -1;
    }
    *checked = stop;
    return 0;
}

/* All rows within threshold of one query, appended to out. */
static int search_one(const TablesObject *t, const uint8_t *query, int threshold,
                      const int *radii, scratch_t *s, hits_t *out) {
    uint64_t qw[4];
    uint32_t qkeys[MAX_CHUNKS];
    load_words(query, qw);
    for (int i = 0; i < t->m; i++) qkeys[i] = extract(qw, t->chunks[i].start, t->chunks[i].bits);
    size_t np = make_probes(t, qkeys, radii, s->probes);
    probe_t *pr = s->probes;
    const uint32_t *entries = (const uint32_t *)t->entries.buf;
    uint32_t n32 = (uint32_t)t->n;
    size_t checked = 0;
    s->cand_len = 0;
    /* Three stages in flight: directory slot prefetched, its entries prefetched, entries
     * scanned (candidate hashes prefetched); the candidates are verified afterwards.
     * Fused in one loop this measured 1.4x faster than three loops, one a stage. */
    const size_t DA = DIR_AHEAD, EA = ENTRY_AHEAD;
    for (size_t k = 0; k < np + DA + EA; k++) {
        if (k < np) {
            PREFETCH(pr[k].slot);
            PREFETCH(pr[k].slot + 1);
        }
        if (k >= DA && k - DA < np) {
            probe_t *a = &pr[k - DA];
            uint32_t b = a->slot[0], e = a->slot[1];
            if (e > n32) e = n32;
            if (b > e) b = e;
            a->begin = b;
            a->end = e;
            const uint32_t *base = entries + (Py_ssize_t)a->chunk * t->n + b;
            if (e > b) {
                PREFETCH(base);
                PREFETCH(base + (e - b - 1));
                if (e - b > 16) PREFETCH(base + 16);
            }
        }
        if (k >= DA + EA && k - DA - EA < np) {
            if (scan_slot(t, &pr[k - DA - EA], s)) return -1;
            /* Many candidates (large thresholds): verify the older ones while their hashes,
             * prefetched during the scan, are still in L2. */
            if (s->cand_len - checked > VERIFY_BLOCK &&
                verify_range(t, query, threshold, radii, qkeys, s, &checked,
                             s->cand_len - VERIFY_BLOCK / 4, out))
                return -1;
        }
    }
    return verify_range(t, query, threshold, radii, qkeys, s, &checked, s->cand_len, out);
}

static int tables_search(const TablesObject *t, const uint8_t *queries, Py_ssize_t q,
                         int threshold, const int *radii, int64_t *lims, hits_t *out) {
    scratch_t s = {0};
    size_t need = 0;
    for (int i = 0; i < t->m; i++)
        if (radii[i] >= 0) need += ball_size(t->chunks[i].dir_bits, radii[i]);
    s.probes = malloc((need ? need : 1) * sizeof(probe_t));
    if (!s.probes) return -1;
    int rc = 0;
    lims[0] = 0;
    for (Py_ssize_t k = 0; k < q && rc == 0; k++) {
        size_t begin = out->len;
        rc = search_one(t, queries + k * HASH_BYTES, threshold, radii, &s, out);
        if (rc == 0) rc = hits_sort(out, begin);
        lims[k + 1] = (int64_t)out->len;
    }
    free(s.probes);
    free(s.cands);
    return rc;
}

/* ---------------------------------------------------------------- Python glue */

static int get_buffer(PyObject *obj, Py_buffer *view, int writable, const char *name) {
    if (PyObject_GetBuffer(obj, view, writable ? PyBUF_WRITABLE : PyBUF_SIMPLE) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a contiguous%s buffer", name,
                     writable ? " writable" : "");
        return -1;
    }
    return 0;
}

static int check_queries(Py_buffer *qv, Py_ssize_t *q, int threshold) {
    if (qv->len % HASH_BYTES) {
        PyErr_SetString(PyExc_ValueError, "queries must be a whole number of 32-byte hashes");
        return -1;
    }
    if (threshold < 0 || threshold > 255) {
        PyErr_SetString(PyExc_ValueError, "threshold must be within 0..255");
        return -1;
    }
    *q = qv->len / HASH_BYTES;
    return 0;
}

static void Tables_dealloc(TablesObject *self) {
    if (self->have_buffers) {
        PyBuffer_Release(&self->hashes);
        PyBuffer_Release(&self->dirs);
        PyBuffer_Release(&self->entries);
        PyBuffer_Release(&self->dead);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Tables_init(TablesObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"hashes", "dirs", "entries", "dead", "n", "chunks", "row_bits", NULL};
    PyObject *hashes, *dirs, *entries, *dead, *chunks;
    Py_ssize_t n;
    int row_bits;
    if (self->have_buffers) {
        PyErr_SetString(PyExc_RuntimeError, "Tables is already initialised");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOnOi", kwlist, &hashes, &dirs, &entries,
                                     &dead, &n, &chunks, &row_bits))
        return -1;
    PyObject *seq = PySequence_Fast(chunks, "chunks must be a sequence");
    if (!seq) return -1;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
    if (m < 1 || m > MAX_CHUNKS || n < 0 || n > 0x7fffffff || row_bits < 1 || row_bits > 32 ||
        (row_bits < 32 && n > ((Py_ssize_t)1 << row_bits))) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "bad table dimensions");
        return -1;
    }
    Py_ssize_t dir_len = 0;
    for (Py_ssize_t i = 0; i < m; i++) {
        chunk_t *c = &self->chunks[i];
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "iiin", &c->start, &c->bits,
                              &c->dir_bits, &c->dir_offset)) {
            Py_DECREF(seq);
            return -1;
        }
        c->low_bits = c->bits - c->dir_bits;
        if (c->start < 0 || c->bits < 1 || c->bits > 32 || c->start + c->bits > 256 ||
            c->dir_bits < 0 || c->dir_bits > 30 || c->low_bits < 0 || c->low_bits > 8 ||
            c->low_bits + row_bits > 32 || c->dir_offset < 0) {
            Py_DECREF(seq);
            PyErr_Format(PyExc_ValueError, "bad chunk %zd", i);
            return -1;
        }
        Py_ssize_t end = c->dir_offset + ((Py_ssize_t)1 << c->dir_bits) + 1;
        if (end > dir_len) dir_len = end;
    }
    Py_DECREF(seq);
    self->m = (int)m;
    self->n = n;
    self->row_bits = row_bits;
    if (get_buffer(hashes, &self->hashes, 0, "hashes")) return -1;
    if (get_buffer(dirs, &self->dirs, 0, "dirs")) goto fail1;
    if (get_buffer(entries, &self->entries, 0, "entries")) goto fail2;
    if (get_buffer(dead, &self->dead, 0, "dead")) goto fail3;
    if (self->hashes.len < n * HASH_BYTES || self->dirs.len < dir_len * 4 ||
        self->entries.len < m * n * 4 || self->dead.len < n) {
        PyErr_SetString(PyExc_ValueError, "a table buffer is shorter than its dimensions");
        goto fail4;
    }
    self->have_buffers = 1;
    return 0;
fail4:
    PyBuffer_Release(&self->dead);
fail3:
    PyBuffer_Release(&self->entries);
fail2:
    PyBuffer_Release(&self->dirs);
fail1:
    PyBuffer_Release(&self->hashes);
    return -1;
}

static int ready(TablesObject *self) {
    if (!self->have_buffers) {
        PyErr_SetString(PyExc_RuntimeError, "Tables is not initialised");
        return 0;
    }
    return 1;
}

static PyObject *finish(int rc, int64_t *lims, Py_ssize_t q, hits_t *out) {
    PyObject *res = rc ? PyErr_NoMemory() : hits_result(lims, q, out);
    free(lims);
    hits_free(out);
    return res;
}

static PyObject *Tables_search(TablesObject *self, PyObject *args) {
    Py_buffer qv, rv;
    int threshold;
    if (!ready(self) || !PyArg_ParseTuple(args, "y*iy*", &qv, &threshold, &rv)) return NULL;
    Py_ssize_t q;
    int radii[MAX_CHUNKS];
    if (check_queries(&qv, &q, threshold) || rv.len != self->m) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "one radius per chunk");
        PyBuffer_Release(&qv);
        PyBuffer_Release(&rv);
        return NULL;
    }
    for (int i = 0; i < self->m; i++) radii[i] = (int)((const uint8_t *)rv.buf)[i] - 1;
    PyBuffer_Release(&rv);
    int64_t *lims = malloc((size_t)(q + 1) * sizeof(int64_t));
    hits_t out = {0};
    int rc = lims ? 0 : -1;
    if (rc == 0) {
        Py_BEGIN_ALLOW_THREADS
        rc = tables_search(self, (const uint8_t *)qv.buf, q, threshold, radii, lims, &out);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&qv);
    return finish(rc, lims, q, &out);
}

static PyObject *do_scan(const uint8_t *hashes, Py_ssize_t n, const uint8_t *dead, Py_buffer *qv,
                         int threshold) {
    Py_ssize_t q;
    if (check_queries(qv, &q, threshold)) return NULL;
    int64_t *lims = malloc((size_t)(q + 1) * sizeof(int64_t));
    hits_t out = {0};
    int rc = lims ? 0 : -1;
    if (rc == 0) {
        Py_BEGIN_ALLOW_THREADS
        rc = scan_rows(hashes, n, dead, (const uint8_t *)qv->buf, q, threshold, lims, &out);
        Py_END_ALLOW_THREADS
    }
    return finish(rc, lims, q, &out);
}

static PyObject *Tables_scan(TablesObject *self, PyObject *args) {
    Py_buffer qv;
    int threshold;
    if (!ready(self) || !PyArg_ParseTuple(args, "y*i", &qv, &threshold)) return NULL;
    PyObject *res = do_scan(self->hashes.buf, self->n, self->dead.buf, &qv, threshold);
    PyBuffer_Release(&qv);
    return res;
}

static PyObject *mih_scan(PyObject *mod, PyObject *args) {
    Py_buffer hv, dv, qv;
    Py_ssize_t n;
    int threshold;
    (void)mod;
    if (!PyArg_ParseTuple(args, "y*ny*y*i", &hv, &n, &dv, &qv, &threshold)) return NULL;
    PyObject *res = NULL;
    if (n < 0 || n > 0x7fffffff || hv.len < n * HASH_BYTES || dv.len < n)
        PyErr_SetString(PyExc_ValueError, "hashes or dead shorter than n");
    else
        res = do_scan(hv.buf, n, dv.buf, &qv, threshold);
    PyBuffer_Release(&hv);
    PyBuffer_Release(&dv);
    PyBuffer_Release(&qv);
    return res;
}

/* Counting sort of rows by directory slot for one chunk. */
static int build_chunk(const uint8_t *hashes, Py_ssize_t n, int start, int bits, int dir_bits,
                       int row_bits, uint32_t *dir, uint32_t *entries) {
    int low_bits = bits - dir_bits;
    size_t slots = (size_t)1 << dir_bits;
    uint32_t *keys = malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
    uint32_t *cursor = malloc(slots * sizeof(uint32_t));
    if (!keys || !cursor) {
        free(keys);
        free(cursor);
        return -1;
    }
    memset(dir, 0, (slots + 1) * sizeof(uint32_t));
    for (Py_ssize_t row = 0; row < n; row++) {
        uint64_t w[4];
        load_words(hashes + row * HASH_BYTES, w);
        keys[row] = extract(w, start, bits);
        dir[(keys[row] >> low_bits) + 1]++;
    }
    for (size_t s = 0; s < slots; s++) {
        dir[s + 1] += dir[s];
        cursor[s] = dir[s];
    }
    uint32_t lowmask = (1u << low_bits) - 1u;
    for (Py_ssize_t row = 0; row < n; row++) {
        uint32_t key = keys[row];
        uint32_t low = row_bits >= 32 ? 0 : (key & lowmask) << row_bits;
        entries[cursor[key >> low_bits]++] = low | (uint32_t)row;
    }
    free(keys);
    free(cursor);
    return 0;
}

static PyObject *mih_build_chunk(PyObject *mod, PyObject *args) {
    Py_buffer hv, dv, ev;
    Py_ssize_t n;
    int start, bits, dir_bits, row_bits;
    (void)mod;
    if (!PyArg_ParseTuple(args, "y*niiiiw*w*", &hv, &n, &start, &bits, &dir_bits, &row_bits, &dv,
                          &ev))
        return NULL;
    int rc = 0;
    int low_bits = bits - dir_bits;
    if (n < 0 || n > 0x7fffffff || bits < 1 || bits > 32 || start < 0 || start + bits > 256 ||
        dir_bits < 0 || dir_bits > 30 || low_bits < 0 || low_bits > 8 || row_bits < 1 ||
        row_bits > 32 || low_bits + row_bits > 32 ||
        (row_bits < 32 && n > ((Py_ssize_t)1 << row_bits)) || hv.len < n * HASH_BYTES ||
        dv.len < (((Py_ssize_t)1 << dir_bits) + 1) * 4 || ev.len < n * 4) {
        PyErr_SetString(PyExc_ValueError, "bad chunk dimensions or buffer sizes");
        rc = 1;
    }
    if (rc == 0) {
        Py_BEGIN_ALLOW_THREADS
        rc = build_chunk(hv.buf, n, start, bits, dir_bits, row_bits, dv.buf, ev.buf);
        Py_END_ALLOW_THREADS
        if (rc) PyErr_NoMemory();
    }
    PyBuffer_Release(&hv);
    PyBuffer_Release(&dv);
    PyBuffer_Release(&ev);
    if (rc) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef Tables_methods[] = {
    {"search", (PyCFunction)Tables_search, METH_VARARGS,
     "search(queries, threshold, radii) -> (lims, rows, dists): multi-index range search."},
    {"scan", (PyCFunction)Tables_scan, METH_VARARGS,
     "scan(queries, threshold) -> (lims, rows, dists): exhaustive range search."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject TablesType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "crible.index._mih.Tables",
    .tp_basicsize = sizeof(TablesObject),
    .tp_dealloc = (destructor)Tables_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Multi-index hashing tables over borrowed buffers.",
    .tp_methods = Tables_methods,
    .tp_init = (initproc)Tables_init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef mih_methods[] = {
    {"scan", mih_scan, METH_VARARGS,
     "scan(hashes, n, dead, queries, threshold) -> (lims, rows, dists): exhaustive search."},
    {"build_chunk", mih_build_chunk, METH_VARARGS,
     "build_chunk(hashes, n, start, bits, dir_bits, row_bits, dir, entries): one chunk table."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef mih_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_mih",
    .m_doc = "Multi-index hashing kernels for PDQ hashes.",
    .m_size = -1,
    .m_methods = mih_methods,
};

PyMODINIT_FUNC PyInit__mih(void) {
    if (PyType_Ready(&TablesType) < 0) return NULL;
    PyObject *m = PyModule_Create(&mih_module);
    if (!m) return NULL;
    Py_INCREF(&TablesType);
    if (PyModule_AddObject(m, "Tables", (PyObject *)&TablesType) < 0) {
        Py_DECREF(&TablesType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
