// SPDX-License-Identifier: GPL-2.0
/*
 * lib/host.c - what lib/util.h needs from the host in userspace:
 * allocation that aborts on out-of-memory, whole-file I/O, and CRC-32 by
 * zlib. The kernel engine has its own (kmod/host.c).
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* lana_oom_exit(): the program name to exit with, NULL to abort */
static const char *oom_prog;

void lana_oom_exit(const char *prog)
{
	oom_prog = prog;
}

static void oom(void)
{
	if (oom_prog) {
		/* stderr is unbuffered: no allocation on the way out */
		fprintf(stderr, "%s: out of memory\n", oom_prog);
		_exit(1);
	}
	fputs("lana: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

/* ------------------------------------------------------------------ files */

int lana_read_file(const char *path, char **data, size_t *len)
{
	struct lana_buf b = { 0 };
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	for (;;) {
		char *w = lana_buf_reserve(&b, 65536);
		ssize_t n = read(fd, w, 65536);

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (fd)
				close(fd);
			lana_buf_free(&b);
			return -e;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	if (fd)
		close(fd);
	lana_buf_reserve(&b, 0);
	b.data[b.len] = '\0';
	*data = b.data;
	*len = b.len;
	return 0;
}

int lana_read_input(const char *path, size_t max, char **data, size_t *len,
		    char *err, size_t errlen)
{
	struct lana_buf b = { 0 };
	bool is_stdin = !strcmp(path, "-");
	struct stat st;
	int fd, r = 0;

	/* a device is not even opened (opening one can have effects) */
	if (!is_stdin && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return lana_errf(err, errlen, -EINVAL, "not a regular file");
	/* O_NONBLOCK: should it have become a FIFO, do not wait for a writer */
	fd = is_stdin ? 0 : open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return lana_errf(err, errlen, -errno, "%s", strerror(errno));
	if (!is_stdin) {
		if (fstat(fd, &st) < 0) {
			r = lana_errf(err, errlen, -errno, "%s",
				      strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			r = lana_errf(err, errlen, -EINVAL,
				      "not a regular file");
			goto out;
		}
		if ((uint64_t)st.st_size > max)
			goto too_big;
		/* a regular file: blocking reads from here on */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	}
	for (;;) {
		/* one byte more than @max tells a file that grew past it */
		size_t room = max - b.len + 1 < 65536 ? max - b.len + 1 : 65536;
		char *w = lana_buf_reserve(&b, room);
		ssize_t n = read(fd, w, room);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = lana_errf(err, errlen, -errno, "%s",
				      strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > max)
			goto too_big;
	}
	lana_buf_reserve(&b, 0);
	b.data[b.len] = '\0';
	*data = b.data;
	*len = b.len;
	b.data = NULL;
	goto out;
too_big:
	if (max >= 1024 * 1024 && max % (1024 * 1024) == 0)
		r = lana_errf(err, errlen, -EFBIG,
			      "larger than %zu MiB, the limit for this input",
			      max / (1024 * 1024));
	else
		r = lana_errf(err, errlen, -EFBIG,
			      "larger than %zu bytes, the limit for this input",
			      max);
out:
	if (!is_stdin)
		close(fd);
	lana_buf_free(&b);
	return r;
}

int lana_write_file(const char *path, const void *data, size_t len)
{
	int fd = strcmp(path, "-") ?
		 open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
	const char *p = data;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (fd != 1)
				close(fd);
			return -e;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fd != 1 && close(fd) < 0)
		return -errno;
	return 0;
}

uint32_t lana_crc32(const void *p, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);

	while (n) {
		uInt chunk = n > 0x40000000 ? 0x40000000 : (uInt)n;

		c = crc32(c, p, chunk);
		p = (const char *)p + chunk;
		n -= chunk;
	}
	return (uint32_t)c;
}

int lana_mkdir_p(const char *dir, unsigned int mode)
{
	char p[PATH_MAX];
	size_t i;

	if (strlen(dir) >= sizeof(p))
		return -ENAMETOOLONG;
	strcpy(p, dir);
	for (i = 1; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST)
			return -errno;
		p[i] = '/';
	}
	if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
