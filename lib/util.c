// SPDX-License-Identifier: GPL-2.0
/*
 * lib/util.c - arena, growable buffer and string hash map (see util.h).
 * Portable: the kernel engine compiles this file unchanged (kmod/util.c);
 * allocation, file I/O and CRC are in lib/host.c (userspace) and
 * kmod/host.c (kernel).
 */
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ arena */

struct lana_arena_chunk {
	struct lana_arena_chunk *next;
	size_t used;
	size_t size;
	_Alignas(16) unsigned char mem[];
};

#ifndef ARENA_CHUNK
#ifdef __KERNEL__
#define ARENA_CHUNK (64 * 1024)		/* bytes per chunk in lana.ko */
#else
#define ARENA_CHUNK (256 * 1024)	/* bytes per chunk */
#endif
#endif

/* The allocation of both: @fallible: NULL when out of memory, else xcalloc. */
static void *arena_alloc(struct lana_arena *a, size_t n, bool fallible)
{
	struct lana_arena_chunk *c = a->head;
	void *p;

	if (fallible && n > SIZE_MAX / 2)
		return NULL;
	n = (n + 15) & ~(size_t)15;
	if (!c || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;

		/* calloc: fresh chunks come zeroed (mmap'd pages need no memset) */
		c = fallible ? calloc(1, sizeof(*c) + size) :
			       xcalloc(1, sizeof(*c) + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		a->total += size;
		if (n > ARENA_CHUNK / 4 && a->head) {
			/* big block: keep the current chunk as the head */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = c->mem + c->used;
	c->used += n;
	return p;	/* zero: chunks are calloc'd and never reused */
}

void *lana_arena_try_alloc(struct lana_arena *a, size_t n)
{
	return arena_alloc(a, n, true);
}

void *lana_arena_alloc(struct lana_arena *a, size_t n)
{
	return arena_alloc(a, n, false);
}

char *lana_arena_try_strdup(struct lana_arena *a, const char *s)
{
	size_t n = strlen(s);
	char *p = lana_arena_try_alloc(a, n + 1);

	if (p)
		memcpy(p, s, n + 1);
	return p;
}

void *lana_arena_try_memdup(struct lana_arena *a, const void *p, size_t n)
{
	void *q = lana_arena_try_alloc(a, n);

	if (q && n)
		memcpy(q, p, n);
	return q;
}

char *lana_try_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

void *lana_vec_regrow(void *v, uint32_t *cap, uint64_t need, size_t size)
{
	uint64_t c = *cap ? *cap : 8;
	void *q;

	if (need > UINT32_MAX)
		return v;
	while (c < need)
		c *= 2;
	if (c > UINT32_MAX)
		c = UINT32_MAX;
	if (size && c > SIZE_MAX / size)
		return v;
	q = realloc(v, (size_t)c * size);
	if (!q)
		return v;
	*cap = (uint32_t)c;
	return q;
}

char *lana_arena_strndup(struct lana_arena *a, const char *s, size_t n)
{
	char *p = lana_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *lana_arena_strdup(struct lana_arena *a, const char *s)
{
	return lana_arena_strndup(a, s, strlen(s));
}

void *lana_arena_memdup(struct lana_arena *a, const void *p, size_t n)
{
	void *q = lana_arena_alloc(a, n);

	if (n)
		memcpy(q, p, n);
	return q;
}

char *lana_arena_printf(struct lana_arena *a, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	int n;
	char *p;

	if (!fmt)	/* never; silences gcc's UBSan-build -Wformat-truncation */
		return lana_arena_strdup(a, "");
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	p = lana_arena_alloc(a, (size_t)n + 1);
	if ((size_t)n < sizeof(tmp)) {
		memcpy(p, tmp, (size_t)n + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	return p;
}

void lana_arena_free(struct lana_arena *a)
{
	struct lana_arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->total = 0;
}

/* ----------------------------------------------------------------- buffer */

char *lana_buf_reserve(struct lana_buf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (b->fallible && n > SIZE_MAX / 4 - b->len)
		goto fail;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = b->fallible ? realloc(b->data, cap) :
				  xrealloc(b->data, cap);
		if (!d)
			goto fail;
		b->data = d;
		b->cap = cap;
	}
	return b->data + b->len;
fail:
	b->err = -ENOMEM;
	return NULL;
}

void lana_buf_put(struct lana_buf *b, const void *p, size_t n)
{
	char *w = lana_buf_reserve(b, n);

	if (!w)
		return;
	if (n)
		memcpy(w, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void lana_buf_puts(struct lana_buf *b, const char *s)
{
	lana_buf_put(b, s, strlen(s));
}

void lana_buf_putc(struct lana_buf *b, char c)
{
	lana_buf_put(b, &c, 1);
}

void lana_buf_vprintf(struct lana_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	if (!lana_buf_reserve(b, 128)) {
		va_end(ap2);
		return;
	}
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	if (n >= 0 && (size_t)n >= b->cap - b->len) {
		if (!lana_buf_reserve(b, (size_t)n)) {
			b->data[b->len] = '\0';	/* drop the partial text */
			va_end(ap2);
			return;
		}
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	}
	va_end(ap2);
	if (n > 0)
		b->len += (size_t)n;
}

void lana_buf_printf(struct lana_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lana_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void lana_buf_put_quoted(struct lana_buf *b, const char *s, bool json)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	lana_buf_putc(b, '"');
	for (; *p; p++) {
		switch (*p) {
		case '"':
			lana_buf_puts(b, "\\\"");
			break;
		case '\\':
			lana_buf_puts(b, "\\\\");
			break;
		case '\n':
			lana_buf_puts(b, "\\n");
			break;
		case '\t':
			lana_buf_puts(b, "\\t");
			break;
		case '\r':
			lana_buf_puts(b, "\\r");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				lana_buf_printf(b, json ? "\\u%04x" : "\\x%02x",
						*p);
			else
				lana_buf_putc(b, (char)*p);
		}
	}
	lana_buf_putc(b, '"');
}

void lana_buf_put_json_str(struct lana_buf *b, const char *s)
{
	lana_buf_put_quoted(b, s, true);
}

void lana_buf_free(struct lana_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

/* --------------------------------------------------------------- hash map */

uint64_t lana_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static struct lana_map_slot *map_find(const struct lana_map *m,
				      const char *key, size_t klen,
				      uint64_t h)
{
	uint32_t mask = m->cap - 1, i = (uint32_t)h & mask;

	for (;; i = (i + 1) & mask) {
		struct lana_map_slot *s = &m->slots[i];

		if (!s->key)
			return s;
		if (s->hash == h && s->klen == klen &&
		    !memcmp(s->key, key, klen))
			return s;
	}
}

bool lana_map_getn(const struct lana_map *m, const char *key, size_t klen,
		   uint32_t *val)
{
	struct lana_map_slot *s;

	if (!m->cap)
		return false;
	s = map_find(m, key, klen, lana_hash(key, klen));
	if (!s->key)
		return false;
	if (val)
		*val = s->val;
	return true;
}

bool lana_map_get(const struct lana_map *m, const char *key, uint32_t *val)
{
	return lana_map_getn(m, key, strlen(key), val);
}

static int map_grow(struct lana_map *m, bool fallible)
{
	struct lana_map old = *m;
	uint32_t i;

	if (old.cap > UINT32_MAX / 2)
		return -ENOMEM;
	m->cap = old.cap ? old.cap * 2 : 16;
	m->slots = fallible ? calloc(m->cap, sizeof(*m->slots)) :
			      xcalloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	for (i = 0; i < old.cap; i++) {
		struct lana_map_slot *s = &old.slots[i];

		if (s->key)
			*map_find(m, s->key, s->klen, s->hash) = *s;
	}
	free(old.slots);
	return 0;
}

static int map_put(struct lana_map *m, const char *key, size_t klen,
		   uint32_t val, uint32_t *old, bool fallible)
{
	uint64_t h = lana_hash(key, klen);
	struct lana_map_slot *s;

	if ((uint64_t)(m->n + 1) * 4 >= (uint64_t)m->cap * 3 &&
	    map_grow(m, fallible))
		return -ENOMEM;
	s = map_find(m, key, klen, h);
	if (s->key) {
		if (old)
			*old = s->val;
		return 0;
	}
	s->key = key;
	s->klen = (uint32_t)klen;
	s->hash = h;
	s->val = val;
	m->n++;
	return 1;
}

int lana_map_try_putn(struct lana_map *m, const char *key, size_t klen,
		      uint32_t val, uint32_t *old)
{
	return map_put(m, key, klen, val, old, true);
}

int lana_map_try_put(struct lana_map *m, const char *key, uint32_t val,
		     uint32_t *old)
{
	return lana_map_try_putn(m, key, strlen(key), val, old);
}

bool lana_map_putn(struct lana_map *m, const char *key, size_t klen,
		   uint32_t val, uint32_t *old)
{
	return map_put(m, key, klen, val, old, false) > 0;
}

bool lana_map_put(struct lana_map *m, const char *key, uint32_t val,
		  uint32_t *old)
{
	return lana_map_putn(m, key, strlen(key), val, old);
}

void lana_map_free(struct lana_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

int lana_errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}
