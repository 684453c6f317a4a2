// SPDX-License-Identifier: GPL-2.0
/*
 * lang/load.c - phase 1 of the compiler: load and parse the top-level file's
 * imports, depth first, each file once (by real path), along the import
 * search path; report the imports that are not found and import cycles.
 */
#include "compile_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Is @path a regular file (after symbolic links)? */
static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Find import @path of source file @from along the search path (see struct
 * lana_compile_opts); the file found goes to @out. 0 if found, else -1.
 */
static int find_import(struct ctx *c, uint32_t from, const char *path,
		       char *out, size_t outlen)
{
	const struct lana_source *src = lana_source_get(c->s, from);
	const char *env;
	uint32_t i;

	if (path[0] == '/') {
		snprintf(out, outlen, "%s", path);
		return is_file(out) ? 0 : -1;
	}
	if (src) {
		const char *slash = strrchr(src->path, '/');

		if (slash)
			snprintf(out, outlen, "%.*s/%s",
				 (int)(slash - src->path), src->path, path);
		else
			snprintf(out, outlen, "%s", path);
		if (is_file(out))
			return 0;
	}
	for (i = 0; c->o && i < c->o->nincdirs; i++) {
		snprintf(out, outlen, "%s/%s", c->o->incdirs[i], path);
		if (is_file(out))
			return 0;
	}
	env = getenv("LANA_PATH");
	while (env && *env) {
		const char *colon = strchr(env, ':');
		size_t n = colon ? (size_t)(colon - env) : strlen(env);

		if (n) {
			snprintf(out, outlen, "%.*s/%s", (int)n, env, path);
			if (is_file(out))
				return 0;
		}
		env = colon ? colon + 1 : NULL;
	}
	snprintf(out, outlen, "%s/%s", lana_default_datadir(), path);
	if (is_file(out))
		return 0;
	/* not installed: the source tree's share/lana beside the build dir */
	{
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		char *slash;

		if (n <= 0)
			return -1;
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (!slash)
			return -1;
		*slash = '\0';
		if (snprintf(out, outlen, "%s/../share/lana/%s", exe, path) >=
		    (int)outlen)
			return -1;
		return is_file(out) ? 0 : -1;
	}
}

struct file_rec *lc_file_rec(struct ctx *c, uint32_t idx)
{
	while (c->files.n <= idx) {
		struct file_rec z = { 0 };

		VEC_PUSH(&c->files, z);
	}
	return &c->files.v[idx];
}

static uint32_t find_loaded(struct ctx *c, const char *real)
{
	uint32_t i;

	for (i = 1; i < c->files.n; i++)
		if (c->files.v[i].realpath && !strcmp(c->files.v[i].realpath, real))
			return i;
	return 0;
}

static void import_cycle_error(struct ctx *c, uint32_t from,
			       const struct ast_import *imp, uint32_t target)
{
	const struct lana_source *t = lana_source_get(c->s, target);

	lana_error(c->s, imp->loc, "import cycle: '%s' imports itself",
		   t ? t->path : imp->path);
	/* walk up the chain of imports from @from to @target */
	while (from && from != target) {
		const struct lana_source *f = lana_source_get(c->s, from);

		if (!f || !f->imported.file)
			break;
		lana_note(c->s, f->imported, "'%s' is imported from here",
			  f->path);
		from = f->imported.file;
	}
}

void lc_load_imports(struct ctx *c, uint32_t file, uint32_t depth)
{
	struct file_rec *fr = lc_file_rec(c, file);
	const struct ast_body *body = &fr->ast->body;
	uint32_t i;

	fr->state = 1;
	for (i = 0; i < body->n; i++) {
		const struct ast_stmt *st = &body->stmts[i];
		char path[4096], err[256];
		char *real;
		uint32_t idx;
		int r;

		if (st->kind != AST_STMT_IMPORT)
			continue;
		if (find_import(c, file, st->imp.path, path, sizeof(path))) {
			lana_error(c->s, st->imp.loc,
				   "import '%s' not found (searched the importing file's directory, -I, $LANA_PATH and the installed snippets)",
				   st->imp.path);
			continue;
		}
		real = realpath(path, NULL);
		if (!real) {
			lana_error(c->s, st->imp.loc, "cannot open '%s': %s",
				   path, strerror(errno));
			continue;
		}
		idx = find_loaded(c, real);
		if (idx) {
			free(real);
			if (c->files.v[idx].state == 1) {
				import_cycle_error(c, file, &st->imp, idx);
				continue;
			}
			{
				struct import_rec ir = { file, idx, st->imp.loc,
							 st->imp.path };

				VEC_PUSH(&c->imports, ir);
			}
			continue;
		}
		if (depth > 64) {
			free(real);
			lana_error(c->s, st->imp.loc, "imports nested too deeply");
			continue;
		}
		r = lana_source_read(c->s, path, st->imp.loc, err, sizeof(err));
		if (r < 0) {
			lana_error(c->s, st->imp.loc, "cannot read '%s': %s",
				   path, err);
			free(real);
			continue;
		}
		idx = (uint32_t)r;
		fr = lc_file_rec(c, idx);
		fr->realpath = real;
		fr->ast = lana_parse(c->s, idx, c->ast_arena);
		{
			struct import_rec ir = { file, idx, st->imp.loc,
						 st->imp.path };

			VEC_PUSH(&c->imports, ir);
		}
		lc_load_imports(c, idx, depth + 1);
		fr = lc_file_rec(c, file);
	}
	lc_file_rec(c, file)->state = 2;
}
