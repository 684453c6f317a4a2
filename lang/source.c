// SPDX-License-Identifier: GPL-2.0
/*
 * lang/source.c - source files and diagnostics (see source.h).
 *
 * The printed form follows GCC's diagnostic format (GCC manual, "Diagnostic
 * Message Formatting Options"): "file:line:col: severity: message", the
 * source line behind a 5-wide line-number gutter, and a caret line
 * ("^~~~") under the marked bytes, with GCC's default GCC_COLORS
 * (locus bold, error bold red, warning bold magenta, note bold cyan,
 * caret bold green).
 */
#include "source.h"

#include <stdlib.h>
#include <string.h>

#define NO_PARENT UINT32_MAX

void lana_sources_init(struct lana_sources *s)
{
	struct lana_source none = { 0 };

	memset(s, 0, sizeof(*s));
	VEC_PUSH(&s->files, none);	/* index 0: no file */
}

void lana_sources_free(struct lana_sources *s)
{
	uint32_t i;

	for (i = 0; i < s->files.n; i++) {
		free(s->files.v[i].path);
		free(s->files.v[i].text);
	}
	for (i = 0; i < s->diags.n; i++)
		free(s->diags.v[i].msg);
	VEC_FREE(&s->files);
	VEC_FREE(&s->diags);
	s->errors = s->warnings = 0;
	s->stopped = s->dropping = false;
}

static uint32_t add_file(struct lana_sources *s, char *path, char *text,
			 size_t len, struct lana_loc imported)
{
	struct lana_source src = {
		.path = path, .text = text, .len = len, .imported = imported,
	};

	if (!s->files.n) {
		struct lana_source none = { 0 };

		VEC_PUSH(&s->files, none);
	}
	VEC_PUSH(&s->files, src);
	return s->files.n - 1;
}

int lana_source_read(struct lana_sources *s, const char *path,
		     struct lana_loc imported, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int r = lana_read_input(path, LANA_MAX_SOURCE_SIZE, &text, &len, err,
				errlen);

	if (r < 0)
		return r;
	return (int)add_file(s, xstrdup(path), text, len, imported);
}

int lana_source_load(struct lana_sources *s, const char *path,
		     struct lana_loc imported)
{
	return lana_source_read(s, path, imported, NULL, 0);
}

uint32_t lana_source_add(struct lana_sources *s, const char *path,
			 const char *text, size_t len)
{
	char *copy = xmalloc(len + 1);
	struct lana_loc none = { 0 };

	if (len)
		memcpy(copy, text, len);
	copy[len] = '\0';
	return add_file(s, xstrdup(path), copy, len, none);
}

const struct lana_source *lana_source_get(const struct lana_sources *s,
					  uint32_t idx)
{
	if (idx == 0 || idx >= s->files.n)
		return NULL;
	return &s->files.v[idx];
}

/* ------------------------------------------------------------ recording */

static void add_diag(struct lana_sources *s, uint8_t sev, struct lana_loc loc,
		     const char *fmt, va_list ap)
{
	struct lana_buf b = { 0 };
	struct lana_diag d = { .sev = sev, .loc = loc, .parent = NO_PARENT };

	lana_buf_vprintf(&b, fmt, ap);
	if (!b.data)
		lana_buf_reserve(&b, 0);
	d.msg = b.data;
	if (sev == LANA_SEV_NOTE && s->diags.n) {
		const struct lana_diag *last = &s->diags.v[s->diags.n - 1];

		d.parent = last->sev == LANA_SEV_NOTE ? last->parent :
			   s->diags.n - 1;
	}
	VEC_PUSH(&s->diags, d);
}

static void add_diag_f(struct lana_sources *s, uint8_t sev,
		       struct lana_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add_diag_f(struct lana_sources *s, uint8_t sev,
		       struct lana_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_diag(s, sev, loc, fmt, ap);
	va_end(ap);
}

/*
 * May one more diagnostic that counts as an error be recorded? After
 * @s->max_errors of them, the first one more becomes "too many errors,
 * stopping" (not counted) and the compilation is stopped.
 */
static bool error_allowed(struct lana_sources *s)
{
	if (s->stopped)
		return false;
	if (!s->max_errors || s->errors < s->max_errors)
		return true;
	s->stopped = true;
	add_diag_f(s, LANA_SEV_ERROR, (struct lana_loc){ 0 },
		   "too many errors, stopping (--max-errors %u)",
		   s->max_errors);
	return false;
}

void lana_error(struct lana_sources *s, struct lana_loc loc,
		const char *fmt, ...)
{
	va_list ap;

	s->dropping = !error_allowed(s);
	if (s->dropping)
		return;
	va_start(ap, fmt);
	add_diag(s, LANA_SEV_ERROR, loc, fmt, ap);
	va_end(ap);
	s->errors++;
}

void lana_warning(struct lana_sources *s, struct lana_loc loc,
		  const char *fmt, ...)
{
	va_list ap;

	s->dropping = s->werror ? !error_allowed(s) : s->stopped;
	if (s->dropping)
		return;
	va_start(ap, fmt);
	add_diag(s, LANA_SEV_WARNING, loc, fmt, ap);
	va_end(ap);
	if (s->werror)
		s->errors++;
	else
		s->warnings++;
}

void lana_note(struct lana_sources *s, struct lana_loc loc,
	       const char *fmt, ...)
{
	va_list ap;

	if (s->dropping)
		return;
	va_start(ap, fmt);
	add_diag(s, LANA_SEV_NOTE, loc, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------- printing */

#define C_LOCUS "\033[01m\033[K"
#define C_ERROR "\033[01;31m\033[K"
#define C_WARNING "\033[01;35m\033[K"
#define C_NOTE "\033[01;36m\033[K"
#define C_CARET "\033[01;32m\033[K"
#define C_RESET "\033[m\033[K"

/*
 * Line-start offsets of the files diagnostics point into, built on first
 * use so that printing many diagnostics of a big file stays linear.
 */
struct line_index {
	uint32_t *start;	/* start[i] = offset of line i + 1 */
	uint32_t n;
	bool built;
};

struct printer {
	const struct lana_sources *s;
	FILE *f;
	bool color;
	struct line_index *lines;	/* one per file */
};

static void build_lines(const struct lana_source *src, struct line_index *li)
{
	VEC(uint32_t) v = { 0 };
	size_t i;

	VEC_PUSH(&v, 0);
	for (i = 0; i < src->len; i++)
		if (src->text[i] == '\n' && i + 1 < UINT32_MAX)
			VEC_PUSH(&v, (uint32_t)(i + 1));
	li->start = v.v;
	li->n = v.n;
	li->built = true;
}

/* Find line @line of @file: sets *@p and *@n (without the newline). */
static bool get_line(struct printer *p, uint32_t file, uint32_t line,
		     const char **text, size_t *n)
{
	const struct lana_source *src = lana_source_get(p->s, file);
	struct line_index *li;
	size_t b, e;

	if (!src || !src->text || line == 0)
		return false;
	li = &p->lines[file];
	if (!li->built)
		build_lines(src, li);
	if (line > li->n)
		return false;
	b = li->start[line - 1];
	/* the next line's start, not a scan: a line may be megabytes long */
	e = line < li->n ? li->start[line] - 1 : src->len;
	if (e > b && src->text[e - 1] == '\r')
		e--;
	*text = src->text + b;
	*n = e - b;
	return true;
}

static const char *sev_name(uint8_t sev)
{
	switch (sev) {
	case LANA_SEV_ERROR:
		return "error";
	case LANA_SEV_WARNING:
		return "warning";
	default:
		return "note";
	}
}

static const char *sev_color(uint8_t sev)
{
	switch (sev) {
	case LANA_SEV_ERROR:
		return C_ERROR;
	case LANA_SEV_WARNING:
		return C_WARNING;
	default:
		return C_NOTE;
	}
}

/*
 * Longest source line an excerpt shows in full, in bytes. A longer line
 * (a generated or minified file) is cut to a window of this many bytes
 * around the marked text, the cut ends shown as "...", as clang does, so
 * that each diagnostic stays a few lines long.
 */
#define EXCERPT_MAX 100
#define EXCERPT_BEFORE 30	/* bytes kept before the marked text */

/* Is byte @c a UTF-8 continuation byte (not a place to cut a line)? */
static bool utf8_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

/* The source line of @loc and a caret line under it. */
static void print_excerpt(struct printer *p, struct lana_loc loc)
{
	const char *text;
	size_t n, i, col, len, ws = 0, we;
	int w;

	if (loc.col == 0 || !get_line(p, loc.file, loc.line, &text, &n))
		return;
	col = loc.col - 1;
	if (col > n)
		col = n;
	len = loc.len ? loc.len : 1;
	if (len > n - col)
		len = n - col ? n - col : 1;
	we = n;
	if (n > EXCERPT_MAX) {
		if (col + (len < EXCERPT_MAX / 2 ? len : EXCERPT_MAX / 2) >
		    EXCERPT_MAX)
			ws = col - EXCERPT_BEFORE;
		while (ws < col && utf8_cont(text[ws]))
			ws++;
		we = ws + EXCERPT_MAX < n ? ws + EXCERPT_MAX : n;
		while (we > col && we < n && utf8_cont(text[we]))
			we--;
		if (col + len > we)
			len = we > col ? we - col : 1;
	}
	/* gutter: at least 5 digits wide, as GCC */
	w = fprintf(p->f, "%5u", loc.line);
	fputs(" | ", p->f);
	if (ws)
		fputs("...", p->f);
	fwrite(text + ws, 1, we - ws, p->f);
	if (we < n)
		fputs("...", p->f);
	fprintf(p->f, "\n%*s | ", w > 0 ? w : 5, "");
	if (ws)
		fputs("   ", p->f);
	for (i = ws; i < col; i++)
		fputc(text[i] == '\t' ? '\t' : ' ', p->f);
	if (p->color)
		fputs(C_CARET, p->f);
	fputc('^', p->f);
	for (i = 1; i < len; i++)
		fputc('~', p->f);
	if (p->color)
		fputs(C_RESET, p->f);
	fputc('\n', p->f);
}

static void print_one(struct printer *p, uint8_t sev, struct lana_loc loc,
		      const char *msg, bool excerpt)
{
	const struct lana_source *src = lana_source_get(p->s, loc.file);

	if (p->color)
		fputs(C_LOCUS, p->f);
	if (!src)
		fputs("lanarun:", p->f);
	else if (loc.line == 0)
		fprintf(p->f, "%s:", src->path);
	else if (loc.col == 0)
		fprintf(p->f, "%s:%u:", src->path, loc.line);
	else
		fprintf(p->f, "%s:%u:%u:", src->path, loc.line, loc.col);
	if (p->color)
		fputs(C_RESET, p->f);
	fputc(' ', p->f);
	if (p->color)
		fputs(sev_color(sev), p->f);
	fprintf(p->f, "%s:", sev_name(sev));
	if (p->color)
		fputs(C_RESET, p->f);
	fprintf(p->f, " %s", msg);
	if (sev == LANA_SEV_WARNING && p->s->werror)
		fputs(" [-Werror]", p->f);
	fputc('\n', p->f);
	if (src && excerpt)
		print_excerpt(p, loc);
}

/* Walk the chain of import statements that brought @file in. */
static void print_import_chain(struct printer *p, uint32_t file)
{
	uint32_t steps = 0;
	const struct lana_source *src = lana_source_get(p->s, file);

	while (src && src->imported.file && steps++ < p->s->files.n) {
		print_one(p, LANA_SEV_NOTE, src->imported, "imported from here",
			  false);
		src = lana_source_get(p->s, src->imported.file);
	}
}

static void print_summary(const struct lana_sources *s, FILE *f)
{
	if (!s->errors && !s->warnings)
		return;
	if (s->errors)
		fprintf(f, "%u error%s", s->errors, s->errors == 1 ? "" : "s");
	if (s->errors && s->warnings)
		fputs(" and ", f);
	if (s->warnings)
		fprintf(f, "%u warning%s", s->warnings,
			s->warnings == 1 ? "" : "s");
	fputs(" generated.\n", f);
}

void lana_diags_print(const struct lana_sources *s, FILE *f, bool color)
{
	struct printer p = { .s = s, .f = f, .color = color };
	uint32_t i, j;

	p.lines = xcalloc(s->files.n ? s->files.n : 1, sizeof(*p.lines));
	for (i = 0; i < s->diags.n; i = j) {
		const struct lana_diag *d = &s->diags.v[i];

		print_one(&p, d->sev, d->loc, d->msg, true);
		for (j = i + 1; j < s->diags.n; j++) {
			const struct lana_diag *n = &s->diags.v[j];

			if (n->sev != LANA_SEV_NOTE || n->parent != i)
				break;
			print_one(&p, n->sev, n->loc, n->msg, true);
		}
		if (d->sev != LANA_SEV_NOTE || d->parent == NO_PARENT)
			print_import_chain(&p, d->loc.file);
	}
	print_summary(s, f);
	for (i = 0; i < s->files.n; i++)
		free(p.lines[i].start);
	free(p.lines);
}

/* ----------------------------------------------------------------- JSON */

static void json_locus(const struct lana_sources *s, struct lana_buf *b,
		       struct lana_loc loc)
{
	const struct lana_source *src = lana_source_get(s, loc.file);

	lana_buf_puts(b, "\"file\":");
	if (src)
		lana_buf_put_json_str(b, src->path);
	else
		lana_buf_puts(b, "null");
	lana_buf_printf(b, ",\"line\":%u,\"col\":%u", loc.line, loc.col);
}

static void json_note(const struct lana_sources *s, struct lana_buf *b,
		      bool *first, struct lana_loc loc, const char *msg)
{
	if (!*first)
		lana_buf_putc(b, ',');
	*first = false;
	lana_buf_putc(b, '{');
	json_locus(s, b, loc);
	lana_buf_puts(b, ",\"message\":");
	lana_buf_put_json_str(b, msg);
	lana_buf_putc(b, '}');
}

void lana_diags_json(const struct lana_sources *s, struct lana_buf *b)
{
	uint32_t i, j;
	bool first_diag = true;

	lana_buf_putc(b, '[');
	for (i = 0; i < s->diags.n; i = j) {
		const struct lana_diag *d = &s->diags.v[i];
		const struct lana_source *src;
		uint32_t steps = 0;
		bool first = true;

		if (!first_diag)
			lana_buf_putc(b, ',');
		first_diag = false;
		lana_buf_putc(b, '{');
		json_locus(s, b, d->loc);
		lana_buf_printf(b, ",\"severity\":\"%s\",\"message\":",
				sev_name(d->sev));
		lana_buf_put_json_str(b, d->msg);
		lana_buf_puts(b, ",\"notes\":[");
		for (j = i + 1; j < s->diags.n; j++) {
			const struct lana_diag *n = &s->diags.v[j];

			if (n->sev != LANA_SEV_NOTE || n->parent != i)
				break;
			json_note(s, b, &first, n->loc, n->msg);
		}
		src = lana_source_get(s, d->loc.file);
		while (src && src->imported.file && steps++ < s->files.n) {
			json_note(s, b, &first, src->imported,
				  "imported from here");
			src = lana_source_get(s, src->imported.file);
		}
		lana_buf_puts(b, "]}");
	}
	lana_buf_putc(b, ']');
}
