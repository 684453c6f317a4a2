// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/pcap_file.c - the paths of pcap_in and pcap_out, confined to the
 * pcap directories in lanad (see pcap_file.h for the rules and why).
 *
 * openat2(2) and its RESOLVE_* flags: Linux 5.6, man openat2(2),
 * include/uapi/linux/openat2.h. glibc has no wrapper: syscall(2).
 */
#include "pcap_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

bool pcap_file_no_openat2;

/* The pcap directories, ", "-separated, for messages. */
static void dirs_list(const char *const *dirs, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; dirs[i] && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
				      dirs[i]);
	if (!i)
		snprintf(buf, len, "(none)");
}

/*
 * Split the path in @buf (modified) into its components at '/', skipping
 * empty ones and ".": pointers into @buf in @c (room for @max). Returns
 * how many, or -1 when there are more than @max.
 */
static int split(char *buf, char **c, int max)
{
	char *save = NULL, *t;
	int n = 0;

	for (t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (!strcmp(t, "."))
			continue;
		if (n == max)
			return -1;
		c[n++] = t;
	}
	return n;
}

/*
 * The pcap directory @path lies under: the index in @dirs whose
 * components are a prefix of @c (@n of them), its component count in
 * *@k; or -1.
 */
static int find_dir(const char *const *dirs, char **c, int n, int *k)
{
	char buf[PATH_MAX], *dc[PATH_MAX / 2];
	unsigned int i;
	int m, j;

	for (i = 0; dirs[i]; i++) {
		if (strlen(dirs[i]) >= sizeof(buf) || dirs[i][0] != '/')
			continue;
		strcpy(buf, dirs[i]);
		m = split(buf, dc, PATH_MAX / 2);
		if (m < 0 || m >= n)	/* the file needs a component more */
			continue;
		for (j = 0; j < m && !strcmp(dc[j], c[j]); j++)
			;
		if (j == m) {
			*k = m;
			return (int)i;
		}
	}
	return -1;
}

/*
 * Open the directory @rel (relative, no "..") beneath @root, following no
 * symbolic link: openat2(2) RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS.
 * -ENOSYS when the kernel (or a seccomp filter: -EPERM) does not have it.
 */
static int open_beneath(int root, const char *rel)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (pcap_file_no_openat2)
		return -ENOSYS;
	fd = syscall(SYS_openat2, root, rel, &how, sizeof(how));
	if (fd < 0)
		return errno == EPERM ? -ENOSYS : -errno;
	return (int)fd;
}

/*
 * The fallback: open components @c[0..@n) one by one from @root with
 * O_NOFOLLOW. *@bad is the component that failed.
 */
static int open_walk(int root, char **c, int n, const char **bad)
{
	int fd = root, nfd, i;

	for (i = 0; i < n; i++) {
		nfd = openat(fd, c[i], O_PATH | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC);
		if (nfd < 0) {
			int r = -errno;
			struct stat st;

			/* O_PATH | O_NOFOLLOW | O_DIRECTORY on a symlink */
			if ((r == -ENOTDIR || r == -ELOOP) &&
			    !fstatat(fd, c[i], &st, AT_SYMLINK_NOFOLLOW) &&
			    S_ISLNK(st.st_mode))
				r = -ELOOP;
			*bad = c[i];
			if (fd != root)
				close(fd);
			return r;
		}
		if (fd != root)
			close(fd);
		fd = nfd;
	}
	return fd == root ? fcntl(root, F_DUPFD_CLOEXEC, 0) : fd;
}

/* Resolve a confined path (absolute, under @dirs). */
static int resolve_confined(struct pcap_file *f, const char *const *dirs,
			    char *err, size_t errlen)
{
	char buf[PATH_MAX], rel[PATH_MAX], list[512];
	char *c[PATH_MAX / 2];
	const char *bad = NULL;
	int n, k, d, i, root, fd;
	size_t len = 0;

	dirs_list(dirs, list, sizeof(list));
	if (f->path[0] != '/') {
		snprintf(err, errlen, "%s: not an absolute path; lanad opens "
			 "files only inside the pcap directories (--pcap-dir): "
			 "%s", f->path, list);
		return -EACCES;
	}
	if (strlen(f->path) >= sizeof(buf)) {
		snprintf(err, errlen, "%.64s...: path too long", f->path);
		return -ENAMETOOLONG;
	}
	strcpy(buf, f->path);
	n = split(buf, c, PATH_MAX / 2);
	for (i = 0; i < n; i++) {
		if (!strcmp(c[i], "..")) {
			snprintf(err, errlen, "%s: '..' is not allowed in a "
				 "path inside the pcap directories "
				 "(--pcap-dir): %s", f->path, list);
			return -EACCES;
		}
	}
	d = n < 0 ? -1 : find_dir(dirs, c, n, &k);
	if (d < 0) {
		snprintf(err, errlen, "%s: outside the pcap directories "
			 "(--pcap-dir): %s", f->path, list);
		return -EACCES;
	}
	f->name = strdup(c[n - 1]);
	if (!f->name) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	root = open(dirs[d], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		int r = -errno;

		snprintf(err, errlen, "%s: cannot open the pcap directory "
			 "%s: %s", f->path, dirs[d], strerror(-r));
		return r;
	}
	if (k == n - 1) {
		f->dirfd = root;
		f->confined = true;
		return 0;
	}
	for (i = k; i < n - 1; i++)
		len += (size_t)snprintf(rel + len, sizeof(rel) - len, "%s%s",
					i > k ? "/" : "", c[i]);
	fd = open_beneath(root, rel);
	if (fd == -ENOSYS)
		fd = open_walk(root, c + k, n - 1 - k, &bad);
	close(root);
	if (fd < 0) {
		if (fd == -ELOOP)
			snprintf(err, errlen, "%s: a symbolic link in the path"
				 "%s%s, refused under the pcap directories "
				 "(--pcap-dir)", f->path, bad ? ": " : "",
				 bad ? bad : "");
		else if (fd == -EXDEV)
			snprintf(err, errlen, "%s: escapes the pcap directory "
				 "%s", f->path, dirs[d]);
		else
			snprintf(err, errlen, "%s: cannot open directory "
				 "'%s' in %s: %s", f->path, rel, dirs[d],
				 strerror(-fd));
		return fd == -EXDEV ? -EACCES : fd;
	}
	f->dirfd = fd;
	f->confined = true;
	return 0;
}

int pcap_file_resolve(struct pcap_file *f, const char *const *dirs,
		      const char *path, char *err, size_t errlen)
{
	*f = (struct pcap_file){ .dirfd = AT_FDCWD };
	err[0] = '\0';
	f->path = strdup(path);
	if (!f->path) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (dirs)
		return resolve_confined(f, dirs, err, errlen);
	f->name = strdup(path);
	if (!f->name) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int pcap_file_open(const struct pcap_file *f, int flags, mode_t mode)
{
	int fd;

	flags |= O_CLOEXEC;
	if (f->confined)
		flags |= O_NOFOLLOW | O_NOCTTY;
	fd = openat(f->dirfd, f->name, flags, mode);
	return fd < 0 ? -errno : fd;
}

int pcap_file_stat(const struct pcap_file *f, struct stat *st)
{
	if (fstatat(f->dirfd, f->name, st,
		    f->confined ? AT_SYMLINK_NOFOLLOW : 0))
		return -errno;
	return 0;
}

int pcap_file_check(const struct pcap_file *f, const struct stat *st,
		    char *err, size_t errlen)
{
	if (!f->confined || S_ISREG(st->st_mode) || S_ISFIFO(st->st_mode))
		return 0;
	if (S_ISLNK(st->st_mode)) {
		pcap_file_strerror(f, -ELOOP, err, errlen);
		return -ELOOP;
	}
	snprintf(err, errlen, "%s: not a regular file or FIFO, refused under "
		 "the pcap directories (--pcap-dir)", f->path);
	return -EINVAL;
}

void pcap_file_strerror(const struct pcap_file *f, int r, char *err,
			size_t errlen)
{
	if (f->confined && r == -ELOOP)
		snprintf(err, errlen, "%s: a symbolic link, refused under the "
			 "pcap directories (--pcap-dir)", f->path);
	else
		snprintf(err, errlen, "cannot open '%s': %s", f->path,
			 strerror(-r));
}

void pcap_file_release(struct pcap_file *f)
{
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->name);
	free(f->path);
	*f = (struct pcap_file){ .dirfd = AT_FDCWD };
}
