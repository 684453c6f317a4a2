/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blocks/pcap_file.h - how pcap_in and pcap_out find their file: confined
 * to the pcap directories when the engine has them (lanad --pcap-dir,
 * lana_block_pcap_dirs()), as given otherwise (`lanarun run`, the user's
 * own process opening the user's own files). Userspace only.
 *
 * Confined, a path is accepted only when it is absolute, lies lexically
 * under one of the directories and has no `..` component; the directories
 * between the pcap directory and the file are opened beneath it with
 * openat2(2) RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS (Linux 5.6), or, where
 * openat2 does not exist (ENOSYS, or EPERM from a seccomp filter), one
 * component at a time with openat(2) O_NOFOLLOW from the directory's
 * descriptor - not with a realpath(3) prefix check, which a symlink
 * swapped in between the check and the open would defeat. The file itself
 * is then opened relative to its directory's descriptor with O_NOFOLLOW,
 * so no symbolic link is followed anywhere under a pcap directory, and
 * the descriptor keeps naming the same directory for later reopens (a
 * FIFO's new reader, pcap_in's next pass).
 */
#ifndef LANA_BLOCKS_PCAP_FILE_H
#define LANA_BLOCKS_PCAP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/**
 * struct pcap_file - a pcap path, resolved.
 * @dirfd:    O_PATH descriptor of the directory holding the file, opened
 *            beneath a pcap directory (confined), or AT_FDCWD
 * @name:     the file's last component (confined), or the path as given
 * @path:     the path as given, for messages
 * @confined: the path was checked against pcap directories
 */
struct pcap_file {
	int dirfd;
	char *name;
	char *path;
	bool confined;
};

/*
 * For tests only: resolve as on a kernel without openat2(2), one
 * component at a time (the fallback). Not for production code.
 */
extern bool pcap_file_no_openat2;

/**
 * pcap_file_resolve() - resolve @path for opening.
 * @f:      filled in; pcap_file_release() it (also after an error)
 * @dirs:   NULL-terminated list of pcap directories (absolute real paths,
 *          lana_block_pcap_dirs()), or NULL: not confined, @path is used
 *          as given
 * @path:   the block's file parameter
 * @err:    receives the reason on failure, naming @path and the rule
 *          ("/etc/shadow: outside the pcap directories (--pcap-dir):
 *          /var/lib/lana/pcap")
 * @errlen: size of @err
 *
 * Return: 0; -EACCES (outside the directories, a relative path, `..`),
 * -ELOOP (a symbolic link on the way), -ENOMEM, or the -errno of opening
 * a directory on the way (-ENOENT, -ENOTDIR, ...).
 */
int pcap_file_resolve(struct pcap_file *f, const char *const *dirs,
		      const char *path, char *err, size_t errlen);

/**
 * pcap_file_open() - open(2) the resolved file @f with @flags and @mode;
 * confined, O_NOFOLLOW and O_NOCTTY are added (a symbolic link fails
 * with ELOOP). O_CLOEXEC is always added.
 * Return: the descriptor, or -errno.
 */
int pcap_file_open(const struct pcap_file *f, int flags, mode_t mode);

/**
 * pcap_file_stat() - fstatat(2) the resolved file @f into @st, without
 * following a symbolic link when confined (stat(2) of the path when not).
 * Return: 0 or -errno.
 */
int pcap_file_stat(const struct pcap_file *f, struct stat *st);

/**
 * pcap_file_check() - whether @st, the file @f is (about to be) opened
 * as, may be used: when confined only a regular file or a FIFO, never a
 * symbolic link, device or directory; anything when not confined.
 * Return: 0, or -ELOOP / -EINVAL with the reason in @err.
 */
int pcap_file_check(const struct pcap_file *f, const struct stat *st,
		    char *err, size_t errlen);

/**
 * pcap_file_strerror() - the message for opening @f failing with -@r:
 * "PATH: a symbolic link, refused under the pcap directories
 * (--pcap-dir)" for ELOOP when confined, else "cannot open 'PATH': why".
 */
void pcap_file_strerror(const struct pcap_file *f, int r, char *err,
			size_t errlen);

/** pcap_file_release() - close @f's directory and free its strings. */
void pcap_file_release(struct pcap_file *f);

#endif /* LANA_BLOCKS_PCAP_FILE_H */
