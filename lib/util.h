/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/util.h - small containers shared by the compiler: an arena allocator,
 * a growable byte buffer, growable arrays and a string-keyed hash map.
 *
 * Everything the compiler builds for one run (AST, checked graph, plan) is
 * allocated from an arena and released in one call, so the hot paths never
 * free individual nodes.
 */
#ifndef LANA_UTIL_H
#define LANA_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * xmalloc/xcalloc/xrealloc/xstrdup - allocation that aborts the process
 * with a message on out-of-memory. The compiler has no useful way to go on
 * without memory, and every caller would otherwise repeat the same check.
 */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/**
 * lana_oom_exit() - make allocation failure in the x*() helpers and the
 * arena exit the process: print "@prog: out of memory" to stderr and
 * _exit(1), without a core dump. For command-line tools (lanarun), whose
 * user wants an exit status; without this call (lanad) allocation failure
 * prints "lana: out of memory" and calls abort(). Userspace only.
 * @prog: the program name for the message (kept, not copied), or NULL to
 *        return to abort()
 */
void lana_oom_exit(const char *prog);

/*
 * Fallible allocation. lanad (and lana.ko) must survive an allocation
 * failure on the path of a request: there the helpers below are used
 * instead of the x*() ones, and a failure becomes -ENOMEM with the
 * message "out of memory" in the error reply, the running graph
 * unchanged. They are plain malloc/calloc/realloc (kvmalloc in lana.ko,
 * through kmod/compat), so they return NULL on failure: every caller
 * checks. The compiler and lanarun keep the x*() helpers.
 */

/**
 * lana_try_strdup() - copy the NUL-terminated @s into new malloc'd memory.
 * Returns the copy (free() it), or NULL when out of memory.
 */
char *lana_try_strdup(const char *s);

/* ------------------------------------------------------------------ arena */

struct lana_arena_chunk;

/**
 * struct lana_arena - bump allocator; memory lives until lana_arena_free().
 * Zero-initialise it (`struct lana_arena a = {0};`) before first use.
 */
struct lana_arena {
	struct lana_arena_chunk *head;
	size_t total;		/* bytes obtained from malloc, for statistics */
};

/**
 * lana_arena_alloc() - allocate @n bytes aligned to 16 bytes, zero-filled.
 * Never returns NULL (aborts on out-of-memory).
 */
void *lana_arena_alloc(struct lana_arena *a, size_t n);

/**
 * lana_arena_try_alloc() - as lana_arena_alloc(), but returns NULL when
 * out of memory (or when @n overflows); @a is unchanged then.
 */
void *lana_arena_try_alloc(struct lana_arena *a, size_t n);

/** lana_arena_try_strdup() - lana_arena_strdup(), or NULL when out of memory. */
char *lana_arena_try_strdup(struct lana_arena *a, const char *s);

/** lana_arena_try_memdup() - lana_arena_memdup(), or NULL when out of memory. */
void *lana_arena_try_memdup(struct lana_arena *a, const void *p, size_t n);

/** lana_arena_strdup() - copy the NUL-terminated @s into the arena. */
char *lana_arena_strdup(struct lana_arena *a, const char *s);

/** lana_arena_strndup() - copy @n bytes of @s into the arena and add a NUL. */
char *lana_arena_strndup(struct lana_arena *a, const char *s, size_t n);

/** lana_arena_memdup() - copy @n bytes of @p into the arena. */
void *lana_arena_memdup(struct lana_arena *a, const void *p, size_t n);

/** lana_arena_printf() - printf into a new arena string. */
char *lana_arena_printf(struct lana_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** lana_arena_free() - release every allocation of @a; @a can be reused. */
void lana_arena_free(struct lana_arena *a);

/* ----------------------------------------------------------------- buffer */

/**
 * struct lana_buf - growable byte buffer, always NUL-terminated after the
 * @len used bytes (once anything was appended) so that text can be
 * printed directly. Zero-initialise.
 *
 * Out of memory: a zero-initialised buffer aborts like xrealloc() (the
 * compiler's buffers). A buffer made with @fallible set (`struct lana_buf
 * b = { .fallible = true };`) instead records the failure: @err becomes
 * -ENOMEM, that append and every later one are dropped (the contents are
 * then incomplete, never corrupt), and the owner checks lana_buf_err()
 * once at the end; lana_buf_free() clears @err.
 */
struct lana_buf {
	char *data;
	size_t len;
	size_t cap;
	bool fallible;	/* growth failure sets @err instead of aborting */
	int err;	/* 0, or -ENOMEM: an append was dropped */
};

/**
 * lana_buf_reserve() - make room for @n more bytes; returns the write
 * position. On a @fallible buffer it returns NULL when out of memory
 * (and sets @err); else it never fails.
 */
char *lana_buf_reserve(struct lana_buf *b, size_t n);
/** lana_buf_err() - 0, or -ENOMEM if an append to @b was dropped. */
static inline int lana_buf_err(const struct lana_buf *b)
{
	return b->err;
}
/** lana_buf_put() - append @n bytes of @p. */
void lana_buf_put(struct lana_buf *b, const void *p, size_t n);
/** lana_buf_puts() - append the NUL-terminated @s (without its NUL). */
void lana_buf_puts(struct lana_buf *b, const char *s);
/** lana_buf_putc() - append one byte. */
void lana_buf_putc(struct lana_buf *b, char c);
/** lana_buf_printf() - append formatted text. */
void lana_buf_printf(struct lana_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** lana_buf_vprintf() - append formatted text, va_list form. */
void lana_buf_vprintf(struct lana_buf *b, const char *fmt, va_list ap);
/**
 * lana_buf_put_quoted() - append @s quoted, with \" \\ \n \t \r escaped and
 * other control bytes as \u00XX (@json: RFC 8259) or \xHH (.lana strings).
 */
void lana_buf_put_quoted(struct lana_buf *b, const char *s, bool json);
/** lana_buf_put_json_str() - append @s as a quoted JSON string (RFC 8259 escapes). */
void lana_buf_put_json_str(struct lana_buf *b, const char *s);
/** lana_buf_free() - release the storage; @b is empty again. */
void lana_buf_free(struct lana_buf *b);

/* ----------------------------------------------------------------- arrays */

/**
 * VEC(T) - a growable array of T: `VEC(int) v = {0}; VEC_PUSH(&v, 3);`.
 * Storage comes from malloc; VEC_FREE releases it.
 */
#define VEC(T) struct { T *v; uint32_t n; uint32_t cap; }

#define VEC_GROW(vec)                                                         \
	do {                                                                  \
		if ((vec)->n == (vec)->cap) {                                 \
			(vec)->cap = (vec)->cap ? (vec)->cap * 2 : 8;         \
			(vec)->v = xrealloc((vec)->v,                         \
					    (size_t)(vec)->cap * sizeof(*(vec)->v)); \
		}                                                             \
	} while (0)

#define VEC_PUSH(vec, x)                                                      \
	do {                                                                  \
		VEC_GROW(vec);                                                \
		(vec)->v[(vec)->n++] = (x);                                   \
	} while (0)

/**
 * lana_vec_regrow() - the storage of a vector grown to hold at least @need
 * elements of @size bytes: @v realloc'd to a doubled capacity (8 at
 * least), *@cap updated. Returns the new storage, or @v itself with *@cap
 * unchanged when out of memory (or when @need exceeds UINT32_MAX). The
 * helper of VEC_TRY_RESERVE; not for direct use.
 */
void *lana_vec_regrow(void *v, uint32_t *cap, uint64_t need, size_t size);

/**
 * VEC_TRY_RESERVE(vec, k) - make room for @k more elements without
 * aborting: evaluates to 0, or -ENOMEM with @vec unchanged.
 */
#define VEC_TRY_RESERVE(vec, k)                                               \
	((uint64_t)(vec)->n + (k) <= (vec)->cap ? 0 :                         \
	 ((vec)->v = lana_vec_regrow((vec)->v, &(vec)->cap,                   \
				     (uint64_t)(vec)->n + (k),                \
				     sizeof(*(vec)->v)),                      \
	  (uint64_t)(vec)->n + (k) <= (vec)->cap ? 0 : -ENOMEM))

/**
 * VEC_TRY_PUSH(vec, x) - append @x without aborting: evaluates to 0, or
 * -ENOMEM with @vec unchanged (@x is then not stored). The lanad / lana.ko
 * form of VEC_PUSH, for paths that must survive out-of-memory.
 */
#define VEC_TRY_PUSH(vec, x)                                                  \
	(VEC_TRY_RESERVE(vec, 1) ? -ENOMEM : ((vec)->v[(vec)->n++] = (x), 0))

#define VEC_FREE(vec)                                                         \
	do {                                                                  \
		free((vec)->v);                                               \
		(vec)->v = NULL;                                              \
		(vec)->n = (vec)->cap = 0;                                    \
	} while (0)

/* --------------------------------------------------------------- hash map */

/**
 * struct lana_map - open-addressing hash map from a string key (not copied:
 * the caller keeps it alive, usually in an arena) to a uint32_t value.
 * Hash: FNV-1a, 64 bit (Fowler/Noll/Vo, draft-eastlake-fnv). Zero-initialise.
 */
struct lana_map_slot {
	const char *key;
	uint32_t klen;
	uint32_t val;
	uint64_t hash;
};

struct lana_map {
	struct lana_map_slot *slots;
	uint32_t cap;		/* power of two, or 0 */
	uint32_t n;
};

/** lana_hash() - FNV-1a 64-bit hash of @n bytes. */
uint64_t lana_hash(const void *p, size_t n);

/**
 * lana_map_get() - look up @key (@klen bytes). Returns true and stores the
 * value in *@val if present (@val may be NULL).
 */
bool lana_map_getn(const struct lana_map *m, const char *key, size_t klen,
		   uint32_t *val);
bool lana_map_get(const struct lana_map *m, const char *key, uint32_t *val);

/**
 * lana_map_put() - insert @key -> @val unless @key is present.
 * Returns true if inserted, false if the key existed (then *@old, if not
 * NULL, receives the existing value and the map is unchanged).
 */
bool lana_map_putn(struct lana_map *m, const char *key, size_t klen,
		   uint32_t val, uint32_t *old);
bool lana_map_put(struct lana_map *m, const char *key, uint32_t val,
		  uint32_t *old);

/**
 * lana_map_try_putn() - lana_map_putn() that survives out-of-memory.
 * Returns 1 if inserted, 0 if @key existed (*@old, if not NULL, receives
 * its value), or -ENOMEM with the map unchanged.
 */
int lana_map_try_putn(struct lana_map *m, const char *key, size_t klen,
		      uint32_t val, uint32_t *old);
/** lana_map_try_put() - lana_map_try_putn() for a NUL-terminated @key. */
int lana_map_try_put(struct lana_map *m, const char *key, uint32_t val,
		     uint32_t *old);

/** lana_map_free() - release the table (not the keys). */
void lana_map_free(struct lana_map *m);

/* ------------------------------------------------------------------ misc */

/**
 * lana_errf() - format an error message into @err (@errlen bytes; nothing
 * is written when @err is NULL or @errlen is 0) and return @code, so that
 * a failing path is one statement: `return lana_errf(err, errlen,
 * -EINVAL, "unknown transaction %u", id);`.
 */
int lana_errf(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/**
 * lana_read_file() - read a whole file into a malloc'd, NUL-terminated
 * buffer. Returns 0 and sets *@data and *@len, or -errno.
 */
int lana_read_file(const char *path, char **data, size_t *len);

/**
 * lana_read_input() - read an input file of at most @max bytes into a
 * malloc'd, NUL-terminated buffer: what the compiler and lanarun read.
 * @path:   a file name, or "-" for standard input (a pipe or a terminal
 *          is fine there)
 * @max:    the largest accepted size in bytes (less than SIZE_MAX)
 * @data:   receives the buffer (free() it) on success
 * @len:    receives the number of bytes on success
 * @err:    receives the reason on failure (@errlen bytes; may be NULL):
 *          strerror() text, "not a regular file" or "larger than N MiB,
 *          the limit for this input"
 * A named file must be a regular file: devices (/dev/zero), FIFOs,
 * sockets and directories are refused without being opened (stat(2)),
 * and checked again on the open file (fstat(2)), which is opened with
 * O_NONBLOCK so that a FIFO swapped in meanwhile waits for no writer.
 * Returns 0, or -errno: -EINVAL for a file that is not regular, -EFBIG
 * for one larger than @max, else the error of open(2) or read(2).
 */
int lana_read_input(const char *path, size_t max, char **data, size_t *len,
		    char *err, size_t errlen);

/** lana_write_file() - write @len bytes to @path ("-" = stdout). 0 or -errno. */
int lana_write_file(const char *path, const void *data, size_t len);

/**
 * lana_mkdir_p() - create directory @dir and every missing parent, each
 * with mode @mode (less the umask), like `mkdir -p`; directories that
 * exist are fine. Returns 0, or -errno of the mkdir(2) that failed
 * (-ENAMETOOLONG when @dir is PATH_MAX bytes or more).
 */
int lana_mkdir_p(const char *dir, unsigned int mode);

/** lana_crc32() - CRC-32 (IEEE 802.3, as zlib's crc32()) of @n bytes. */
uint32_t lana_crc32(const void *p, size_t n);

#endif /* LANA_UTIL_H */
