/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lang/source.h - source files and locations, and diagnostics in GCC style
 * (`file:line:col: error: message`, the source line, a caret) or JSON.
 */
#ifndef LANA_SOURCE_H
#define LANA_SOURCE_H

#include "lib/util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/**
 * struct lana_loc - a place in a source file.
 * @file: index into the source set (0 = none / command line)
 * @line: 1-based line
 * @col:  1-based column, in bytes
 * @len:  length of the marked text in bytes (0 or 1: a single caret)
 */
struct lana_loc {
	uint32_t file;
	uint32_t line;
	uint32_t col;
	uint32_t len;
};

/**
 * struct lana_source - one loaded file.
 * @path:     as given or as found on the search path
 * @text:     contents, NUL-terminated
 * @len:      bytes in @text
 * @imported: where it was imported from (file 0 for a top-level file)
 */
struct lana_source {
	char *path;
	char *text;
	size_t len;
	struct lana_loc imported;
};

enum lana_severity {
	LANA_SEV_ERROR = 0,
	LANA_SEV_WARNING = 1,
	LANA_SEV_NOTE = 2,
};

/**
 * struct lana_diag - one diagnostic; notes attach to the preceding
 * error or warning.
 */
struct lana_diag {
	uint8_t sev;
	struct lana_loc loc;
	char *msg;
	uint32_t parent;	/* for notes: index of the error/warning */
};

/* The largest source file the compiler reads (a 1,000,000-block chain
 * as bench/compile/gen_graph writes it is 29 MB). */
#define LANA_MAX_SOURCE_SIZE (64u * 1024 * 1024)

/**
 * struct lana_sources - the files of one compilation and its diagnostics.
 * Zero-initialise, then lana_sources_init().
 * @max_errors: errors recorded before the compilation stops (0: no limit,
 *              the default); the error after the last one recorded is
 *              replaced by one "too many errors, stopping", and from then
 *              on nothing more is recorded (GCC's -fmax-errors)
 * @stopped:    @max_errors was reached: the compiler stops at the next
 *              opportunity (the parser at the next token, the expansion at
 *              the next element) and later phases are skipped
 */
struct lana_sources {
	VEC(struct lana_source) files;	/* files.v[0] is a placeholder */
	VEC(struct lana_diag) diags;
	uint32_t errors;
	uint32_t warnings;
	bool werror;			/* warnings count as errors */
	uint32_t max_errors;
	bool stopped;
	bool dropping;			/* notes of a dropped diagnostic */
};

/** lana_sources_init() - prepare an empty set. */
void lana_sources_init(struct lana_sources *s);

/** lana_sources_free() - release files and diagnostics. */
void lana_sources_free(struct lana_sources *s);

/**
 * lana_source_load() - read @path and add it to the set.
 * @imported: import statement location, or a zero loc for a top-level file
 * @path must be a regular file of at most LANA_MAX_SOURCE_SIZE bytes, or
 * "-" for standard input (see lana_read_input()).
 * Returns the file index (>= 1), or -errno (nothing added).
 */
int lana_source_load(struct lana_sources *s, const char *path,
		     struct lana_loc imported);

/**
 * lana_source_read() - lana_source_load() that also says why a file cannot
 * be read: its text goes to @err (@errlen bytes), e.g. "No such file or
 * directory", "not a regular file", "larger than 64 MiB, the limit for
 * this input" (lana_read_input() with LANA_MAX_SOURCE_SIZE).
 */
int lana_source_read(struct lana_sources *s, const char *path,
		     struct lana_loc imported, char *err, size_t errlen);

/**
 * lana_source_add() - add in-memory text (copied) under the name @path.
 * Returns the file index (>= 1).
 */
uint32_t lana_source_add(struct lana_sources *s, const char *path,
			 const char *text, size_t len);

/** lana_source_get() - file @idx, or NULL if out of range or 0. */
const struct lana_source *lana_source_get(const struct lana_sources *s,
					  uint32_t idx);

/**
 * lana_error()/lana_warning()/lana_note() - record a diagnostic at @loc.
 * A note attaches to the last error or warning. lana_warning() counts as
 * an error when @s->werror is set (it is still printed as a warning, with
 * " [-Werror]" appended). Once @s->max_errors errors are recorded, the
 * next error or -Werror warning is replaced by "too many errors, stopping"
 * and @s->stopped is set; after that nothing is recorded or counted.
 * "imported from" notes are added automatically for files that were
 * imported, when the diagnostic is printed.
 */
void lana_error(struct lana_sources *s, struct lana_loc loc,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void lana_warning(struct lana_sources *s, struct lana_loc loc,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void lana_note(struct lana_sources *s, struct lana_loc loc,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/**
 * lana_diags_print() - write every diagnostic to @f in GCC style:
 *   file:line:col: error: message
 *    12 | t[0] -> bpf(filter = "ip and") -> c;
 *       |                      ^~~~~~~~
 *   file:line:col: note: first declared here
 * with ANSI colours when @color is set. Ends with a summary line
 * "N errors, M warnings generated." when there was any diagnostic.
 */
void lana_diags_print(const struct lana_sources *s, FILE *f, bool color);

/**
 * lana_diags_json() - append the diagnostics to @b as a JSON array of
 * objects {"file","line","col","severity","message","notes":[...]}.
 */
void lana_diags_json(const struct lana_sources *s, struct lana_buf *b);

#endif /* LANA_SOURCE_H */
