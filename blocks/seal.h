/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blocks/seal.h - what seal (blocks/seal.c) and unseal (blocks/unseal.c)
 * share: the wire format of a sealed datagram (docs/seal.md), keys and
 * the live object. Userspace only (libsodium).
 *
 *   0        1             4          8                24          32
 *   +--------+-------------+----------+----------------+-----------+
 *   | ver 1  | reserved: 0 | key id   | salt (16)      | seq (8)   |
 *   +--------+-------------+----------+----------------+-----------+
 *   | ciphertext (as long as the frame) ...        | tag (16)      |
 *
 * Nonce (24 bytes, XChaCha20-Poly1305): bytes 8..31 of the header, salt ||
 * seq. Additional data: the whole 32-byte header. Integers big-endian.
 */
#ifndef LANA_BLOCKS_SEAL_H
#define LANA_BLOCKS_SEAL_H

#include "lana_block.h"

#include <sodium.h>

#define SEAL_VERSION	1
#define SEAL_HDR	32	/* version, 3 reserved, key id, salt, seq */
#define SEAL_SALT	16
#define SEAL_TAG	crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_KEY	crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define SEAL_OVERHEAD	(SEAL_HDR + SEAL_TAG)
/* a frame of at most this many bytes is sealed (the packet pool's) */
#define SEAL_MAXFRAME	(65536u - SEAL_OVERHEAD)
/* base64 of 32 bytes: 44 characters with one '=' (RFC 4648 sec. 4) */
#define SEAL_B64	44

/* header offsets */
#define SEAL_H_VER	0
#define SEAL_H_RSVD	1
#define SEAL_H_KID	4
#define SEAL_H_SALT	8
#define SEAL_H_SEQ	24

/**
 * struct seal_key - one key: its bytes in sodium_malloc'd memory, its id
 * (the header's key id: bytes 0..3 of @fp, big-endian) and fingerprint
 * (BLAKE2b-256 of "lana-seal key id v1" || key: docs/seal.md).
 */
struct seal_key {
	unsigned char *k;	/* SEAL_KEY bytes, sodium_malloc */
	uint32_t kid;
	unsigned char fp[32];
};

/**
 * struct seal_live - the live object of both types.
 * @key:   the current key
 * @grace: unseal: ns the previous key stays accepted after a SET
 * @gen:   orders live objects: a later live op gives a larger one, so that
 *         a worker still running an older version never rotates back
 */
struct seal_live {
	struct seal_key key;
	uint64_t grace;
	uint64_t gen;
};

/**
 * seal_key_load() - read the key in @path into @key (its bytes
 * sodium_malloc'd; seal_key_put() wipes and frees them).
 * @b:    the block, for the error message
 * @path: the key file: 44 characters of standard base64 (RFC 4648 sec. 4,
 *        sodium_base64_VARIANT_ORIGINAL) of 32 bytes, as `wg genkey`
 *        writes, optionally followed by one newline
 * @key:  receives the key
 *
 * Refuses, like ssh(1) for private keys, a file that group or others may
 * read or write (st_mode & 077), and anything but a regular file.
 * Return: 0, or -errno with lana_block_error() naming @path.
 */
int seal_key_load(struct lana_block *b, const char *path,
		  struct seal_key *key);

/** seal_key_put() - wipe and free @key's bytes (NULL-safe). */
void seal_key_put(struct seal_key *key);

/**
 * seal_live_make() - the live op of both types: load key_file
 * (@p[0], a string) and, when @grace_idx >= 0, the grace @p[grace_idx]
 * (ns, default 30 s), into a new struct seal_live in *@out.
 * Return: 0 or -errno with lana_block_error().
 */
int seal_live_make(struct lana_block *b, const struct lana_value *p,
		   int grace_idx, void **out);

/** seal_live_free() - live_free op of both types (NULL-safe). */
void seal_live_free(void *obj);

#endif /* LANA_BLOCKS_SEAL_H */
