#ifndef REDERIVE_CPNG_SHIM_H
#define REDERIVE_CPNG_SHIM_H
#include <png.h>
#include <zlib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

// libpng reports errors with longjmp, which Swift cannot catch, so the whole encode lives here
// behind setjmp and returns a status code instead.

/// A growable byte buffer, for the compressed rows and for the file libpng writes; the caller
/// frees `data` with free().
typedef struct {
    unsigned char *data;
    size_t size;
    size_t capacity;
    int failed;
} rederive_bytes;

/// Room for `length` more bytes (capacity doubles from 64 KiB); 0 on success, 1 (and `failed`
/// set) if out of memory.
static int rederive_bytes_reserve(rederive_bytes *b, size_t length) {
    if (b->size + length <= b->capacity) return 0;
    size_t capacity = b->capacity ? b->capacity : 65536;
    while (capacity < b->size + length) capacity *= 2;
    unsigned char *grown = (unsigned char *)realloc(b->data, capacity);
    if (!grown) { b->failed = 1; return 1; }
    b->data = grown;
    b->capacity = capacity;
    return 0;
}

static void rederive_png_write_data(png_structp png, png_bytep bytes, png_size_t length) {
    rederive_bytes *buffer = (rederive_bytes *)png_get_io_ptr(png);
    if (rederive_bytes_reserve(buffer, length)) png_error(png, "out of memory");
    memcpy(buffer->data + buffer->size, bytes, length);
    buffer->size += length;
}

static void rederive_png_flush(png_structp png) { (void)png; }

// --- IDAT: a deflate encoder for plot images ---
//
// zlib spends ~6 ms on the 4 MB of rows of a 1212 x 1100 heatmap, most of a figure's budget,
// searching hash chains for matches that in a plot are almost always "the same bytes as the row
// above" or "the same pixel again". This encoder tries just those two copies (distance one row,
// distance one pixel) at each position, greedily, and writes dynamic-Huffman blocks (RFC 1951)
// for the rest. Deterministic: the bytes depend on the pixels alone, not on any library version.

static void rederive_bytes_put(rederive_bytes *b, unsigned char byte) {
    if (b->failed || rederive_bytes_reserve(b, 1)) return;
    b->data[b->size++] = byte;
}

typedef struct {
    rederive_bytes *out;
    unsigned long long bits;
    int count;
} rederive_bitwriter;

static void rederive_bits_put(rederive_bitwriter *w, unsigned value, int n) {
    w->bits |= (unsigned long long)value << w->count;
    w->count += n;
    while (w->count >= 8) {
        rederive_bytes_put(w->out, (unsigned char)(w->bits & 0xFF));
        w->bits >>= 8;
        w->count -= 8;
    }
}

static const unsigned short rederive_lbase[29] = {3,4,5,6,7,8,9,10,11,13,15,17,19,23,27,31,35,43,51,59,67,83,99,115,131,163,195,227,258};
static const unsigned char rederive_lextra[29] = {0,0,0,0,0,0,0,0,1,1,1,1,2,2,2,2,3,3,3,3,4,4,4,4,5,5,5,5,0};
static const unsigned short rederive_dbase[30] = {1,2,3,4,5,7,9,13,17,25,33,49,65,97,129,193,257,385,513,769,1025,1537,2049,3073,4097,6145,8193,12289,16385,24577};
static const unsigned char rederive_dextra[30] = {0,0,0,0,1,1,2,2,3,3,4,4,5,5,6,6,7,7,8,8,9,9,10,10,11,11,12,12,13,13};

/// Code lengths (at most `limit` bits) for `n` symbols with frequencies `freq`: Huffman's
/// construction; while the longest code is too long, frequencies are halved (keeping every used
/// symbol at least 1) and the codes rebuilt. Unused symbols get length 0.
static void rederive_code_lengths(const unsigned *freq, int n, int limit, unsigned char *lengths) {
    unsigned weight[2 * 288];
    int parent[2 * 288], order[288];
    unsigned scaled[288];
    for (int i = 0; i < n; i++) scaled[i] = freq[i];
    for (;;) {
        int used = 0;
        for (int i = 0; i < n; i++) { lengths[i] = 0; if (scaled[i]) order[used++] = i; }
        if (used == 0) return;
        if (used == 1) { lengths[order[0]] = 1; return; }
        // Sort the used symbols by weight (then index): insertion sort, n <= 288.
        for (int a = 1; a < used; a++) {
            int s = order[a], b = a - 1;
            while (b >= 0 && (scaled[order[b]] > scaled[s] || (scaled[order[b]] == scaled[s] && order[b] > s))) { order[b + 1] = order[b]; b--; }
            order[b + 1] = s;
        }
        // Two queues: leaves in weight order, internal nodes in creation order (also weight order).
        for (int a = 0; a < used; a++) weight[a] = scaled[order[a]];
        int leaf = 0, node = used, next = used;
        for (int k = 0; k < used - 1; k++) {
            int pick[2];
            for (int j = 0; j < 2; j++) {
                if (leaf < used && (node >= next || weight[leaf] <= weight[node])) pick[j] = leaf++;
                else pick[j] = node++;
            }
            weight[next] = weight[pick[0]] + weight[pick[1]];
            parent[pick[0]] = next;
            parent[pick[1]] = next;
            next++;
        }
        int depth[2 * 288];
        depth[next - 1] = 0;
        int longest = 0;
        for (int a = next - 2; a >= 0; a--) {
            depth[a] = depth[parent[a]] + 1;
            if (a < used && depth[a] > longest) longest = depth[a];
        }
        if (longest <= limit) {
            for (int a = 0; a < used; a++) lengths[order[a]] = (unsigned char)depth[a];
            return;
        }
        for (int i = 0; i < n; i++) if (scaled[i]) scaled[i] = (scaled[i] + 1) / 2;
    }
}

/// Canonical codes from lengths (RFC 1951 3.2.2), bit-reversed for writing least significant first.
static void rederive_codes(const unsigned char *lengths, int n, unsigned short *codes) {
    unsigned count[16] = {0}, next[16] = {0};
    for (int i = 0; i < n; i++) count[lengths[i]]++;
    count[0] = 0;
    unsigned code = 0;
    for (int bits = 1; bits < 16; bits++) { code = (code + count[bits - 1]) << 1; next[bits] = code; }
    for (int i = 0; i < n; i++) {
        int len = lengths[i];
        if (!len) { codes[i] = 0; continue; }
        unsigned c = next[len]++, reversed = 0;
        for (int b = 0; b < len; b++) reversed |= ((c >> b) & 1u) << (len - 1 - b);
        codes[i] = (unsigned short)reversed;
    }
}

/// A symbol: a literal byte (length 0) or a copy of `length` bytes from `distance` back.
typedef struct { unsigned short length, distance; unsigned char literal; } rederive_symbol;

static int rederive_length_code(unsigned length) { int l = 28; while (rederive_lbase[l] > length) l--; return l; }
static int rederive_distance_code(unsigned distance) { int d = 29; while (rederive_dbase[d] > distance) d--; return d; }

/// One dynamic-Huffman block of `symbols`, `last` if it ends the stream.
static void rederive_write_block(rederive_bitwriter *w, const rederive_symbol *symbols, size_t count, int last) {
    unsigned lfreq[286] = {0}, dfreq[30] = {0};
    for (size_t k = 0; k < count; k++) {
        if (symbols[k].length == 0) lfreq[symbols[k].literal]++;
        else { lfreq[257 + rederive_length_code(symbols[k].length)]++; dfreq[rederive_distance_code(symbols[k].distance)]++; }
    }
    lfreq[256] = 1;
    unsigned char llen[286], dlen[30];
    rederive_code_lengths(lfreq, 286, 15, llen);
    rederive_code_lengths(dfreq, 30, 15, dlen);
    int hlit = 286; while (hlit > 257 && llen[hlit - 1] == 0) hlit--;
    int hdist = 30; while (hdist > 1 && dlen[hdist - 1] == 0) hdist--;
    // Code lengths of both alphabets in one sequence, run-length coded with 16, 17 and 18.
    unsigned char all[316];
    int total = 0;
    for (int i = 0; i < hlit; i++) all[total++] = llen[i];
    for (int i = 0; i < hdist; i++) all[total++] = dlen[i];
    unsigned char rle[316], extra[316];
    int nrle = 0;
    for (int i = 0; i < total;) {
        int run = 1;
        while (i + run < total && all[i + run] == all[i]) run++;
        if (all[i] == 0 && run >= 3) {
            int r = run > 138 ? 138 : run;
            if (r >= 11) { rle[nrle] = 18; extra[nrle++] = (unsigned char)(r - 11); } else { rle[nrle] = 17; extra[nrle++] = (unsigned char)(r - 3); }
            i += r;
        } else if (all[i] != 0 && run >= 4) {
            rle[nrle] = all[i]; extra[nrle++] = 0;
            int r = run - 1 > 6 ? 6 : run - 1;
            rle[nrle] = 16; extra[nrle++] = (unsigned char)(r - 3);
            i += 1 + r;
        } else {
            rle[nrle] = all[i]; extra[nrle++] = 0;
            i += 1;
        }
    }
    unsigned cfreq[19] = {0};
    for (int k = 0; k < nrle; k++) cfreq[rle[k]]++;
    unsigned char clen[19];
    rederive_code_lengths(cfreq, 19, 7, clen);
    static const unsigned char permutation[19] = {16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1,15};
    int hclen = 19; while (hclen > 4 && clen[permutation[hclen - 1]] == 0) hclen--;
    unsigned short lcode[286], dcode[30], ccode[19];
    rederive_codes(llen, 286, lcode);
    rederive_codes(dlen, 30, dcode);
    rederive_codes(clen, 19, ccode);
    rederive_bits_put(w, last ? 1 : 0, 1);
    rederive_bits_put(w, 2, 2);   // dynamic Huffman codes
    rederive_bits_put(w, (unsigned)(hlit - 257), 5);
    rederive_bits_put(w, (unsigned)(hdist - 1), 5);
    rederive_bits_put(w, (unsigned)(hclen - 4), 4);
    for (int k = 0; k < hclen; k++) rederive_bits_put(w, clen[permutation[k]], 3);
    for (int k = 0; k < nrle; k++) {
        rederive_bits_put(w, ccode[rle[k]], clen[rle[k]]);
        if (rle[k] == 16) rederive_bits_put(w, extra[k], 2);
        else if (rle[k] == 17) rederive_bits_put(w, extra[k], 3);
        else if (rle[k] == 18) rederive_bits_put(w, extra[k], 7);
    }
    for (size_t k = 0; k < count; k++) {
        const rederive_symbol *s = &symbols[k];
        if (s->length == 0) { rederive_bits_put(w, lcode[s->literal], llen[s->literal]); continue; }
        int l = rederive_length_code(s->length), d = rederive_distance_code(s->distance);
        rederive_bits_put(w, lcode[257 + l], llen[257 + l]);
        rederive_bits_put(w, s->length - rederive_lbase[l], rederive_lextra[l]);
        rederive_bits_put(w, dcode[d], dlen[d]);
        rederive_bits_put(w, s->distance - rederive_dbase[d], rederive_dextra[d]);
    }
    rederive_bits_put(w, lcode[256], llen[256]);
}

/// How many bytes from `a` repeat those from `b` (b < a), up to `limit`.
static size_t rederive_match(const unsigned char *a, const unsigned char *b, size_t limit) {
    size_t n = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (n + 8 <= limit) {
        unsigned long long x, y;
        memcpy(&x, a + n, 8);
        memcpy(&y, b + n, 8);
        if (x != y) return n + (size_t)(__builtin_ctzll(x ^ y) >> 3);   // little-endian: the first differing byte
        n += 8;
    }
#endif
    while (n < limit && a[n] == b[n]) n++;
    return n;
}

/// The zlib stream (RFC 1950) of `raw` (rows of `rowbytes`): copies of the row above or of the
/// pixel before (`pixel` bytes), else literals; a block per 64 Ki symbols. 0, or 1 when out of memory.
static int rederive_deflate_rows(const unsigned char *raw, size_t size, size_t rowbytes, size_t pixel, rederive_bytes *out) {
    enum { block = 1 << 16 };
    rederive_symbol *symbols = (rederive_symbol *)malloc(sizeof(rederive_symbol) * block);
    if (!symbols) return 1;
    rederive_bitwriter w = {out, 0, 0};
    rederive_bytes_put(out, 0x78); rederive_bytes_put(out, 0x01);   // zlib header: deflate, 32 KiB window
    size_t count = 0, i = 0;
    int above = rowbytes <= 32768;
    while (i < size) {
        size_t limit = size - i < 258 ? size - i : 258;
        size_t up = above && i >= rowbytes ? rederive_match(raw + i, raw + i - rowbytes, limit) : 0;
        size_t left = i >= pixel ? rederive_match(raw + i, raw + i - pixel, limit) : 0;
        rederive_symbol s = {0, 0, raw[i]};
        if (up >= 4 && up >= left) { s.length = (unsigned short)up; s.distance = (unsigned short)rowbytes; }
        else if (left >= 4) { s.length = (unsigned short)left; s.distance = (unsigned short)pixel; }
        symbols[count++] = s;
        i += s.length ? s.length : 1;
        if (count == block || i == size) {
            rederive_write_block(&w, symbols, count, i == size);
            count = 0;
        }
    }
    if (size == 0) rederive_write_block(&w, symbols, 0, 1);
    if (w.count > 0) rederive_bits_put(&w, 0, 8 - w.count);
    free(symbols);
    uLong adler = adler32(adler32(0L, Z_NULL, 0), raw, (uInt)size);
    for (int shift = 24; shift >= 0; shift -= 8) rederive_bytes_put(out, (unsigned char)((adler >> shift) & 0xFF));
    return out->failed;
}

/// Encodes opaque Cairo ARGB32 rows (little-endian: B, G, R, X in memory) as 8-bit RGB PNG with
/// a pHYs chunk (pixels per metre) and tEXt "Software" and "Source" entries (either may be NULL):
/// rows unfiltered, compressed by `rederive_deflate_rows`, chunks written by libpng.
/// Returns 0 on success, 1 if out of memory or libpng could not start, 2 if libpng failed.
static inline int rederive_png_encode_bgrx(const unsigned char *pixels, int width, int height,
                                           int stride, unsigned int pixels_per_metre,
                                           const char *software, const char *source,
                                           rederive_bytes *out) {
    size_t rowbytes = 1 + (size_t)width * 3;
    unsigned char *raw = (unsigned char *)malloc(rowbytes * (size_t)height + 1);
    if (!raw) return 1;
    // Converting B, G, R, X to R, G, B here is several times faster than libpng's transforms.
    for (int y = 0; y < height; y++) {
        const unsigned char *in = pixels + (size_t)y * (size_t)stride;
        unsigned char *row = raw + (size_t)y * rowbytes;
        row[0] = 0;
        for (int x = 0; x < width; x++) {
            row[1 + 3 * x] = in[4 * x + 2];
            row[2 + 3 * x] = in[4 * x + 1];
            row[3 + 3 * x] = in[4 * x];
        }
    }
    rederive_bytes idat = {NULL, 0, 0, 0};
    int failed = rederive_deflate_rows(raw, rowbytes * (size_t)height, rowbytes, 3, &idat);
    free(raw);
    if (failed) { free(idat.data); return 1; }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (!png) { free(idat.data); return 1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); free(idat.data); return 1; }
    if (setjmp(png_jmpbuf(png))) { png_destroy_write_struct(&png, &info); free(idat.data); return 2; }
    png_set_write_fn(png, out, rederive_png_write_data, rederive_png_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_pHYs(png, info, pixels_per_metre, pixels_per_metre, PNG_RESOLUTION_METER);
    png_text text[2];
    int count = 0;
    memset(text, 0, sizeof text);
    if (software) {
        text[count].compression = PNG_TEXT_COMPRESSION_NONE;
        text[count].key = (png_charp)"Software";
        text[count].text = (png_charp)software;
        count++;
    }
    if (source) {
        text[count].compression = PNG_TEXT_COMPRESSION_NONE;
        text[count].key = (png_charp)"Source";
        text[count].text = (png_charp)source;
        count++;
    }
    if (count) png_set_text(png, info, text, count);
    png_write_info(png, info);
    png_write_chunk(png, (png_const_bytep)"IDAT", idat.data, idat.size);
    png_write_chunk(png, (png_const_bytep)"IEND", NULL, 0);
    png_destroy_write_struct(&png, &info);
    free(idat.data);
    return 0;
}

#endif
