// SPDX-License-Identifier: GPL-2.0
/*
 * lib/host.c - what lib/util.h needs from the host in userspace:
 * allocation that aborts on out-of-memory, whole-file I/O, and CRC-32 by
 * zlib. The kernel engine has its own (kmod/host.c).
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static void oom(void)
{
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
