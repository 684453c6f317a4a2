// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/seal.c - authenticated encryption of whole frames: an encrypted
 * cable for tunnels (`tap -> seal -> udp` / `udp -> unseal -> tap`), and
 * what seal and unseal (blocks/unseal.c) share: keys and the live object.
 *
 * seal(key_file)   in: eth -> out: raw
 *
 * Every frame becomes one datagram: a 32-byte header, the frame encrypted
 * with XChaCha20-Poly1305 (libsodium's crypto_aead_xchacha20poly1305_ietf,
 * draft-irtf-cfrg-xchacha-03) and its 16-byte tag. The header is the
 * AEAD's additional data; the nonce is the header's 16-byte salt and
 * 8-byte sequence number (blocks/seal.h). docs/seal.md has the byte
 * diagram, why the nonce never repeats for a key (a random salt per seal
 * instance, the sequence seeded from CLOCK_REALTIME and advanced
 * atomically by every worker) and why XChaCha20-Poly1305 rather than
 * AES-256-GCM (bench/seal/, bench/README.md).
 *
 * Keys: 32 bytes, base64 in a file as `wg genkey` writes them; a file
 * that group or others may read or write is refused, as ssh(1) refuses
 * such private keys. Key bytes live in sodium_malloc'd memory (guard
 * pages, mlock'd) and are wiped with sodium_memzero()/sodium_free().
 * key_file is live: a SET seals with the new key from the version it
 * publishes on (the live object carries the key).
 *
 * Userspace engine only (libsodium).
 */
#include "seal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char seal_kid_ctx[] = "lana-seal key id v1";

/* Fill @key->kid and @key->fp from @key->k. */
static void seal_key_id(struct seal_key *key)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof(key->fp));
	crypto_generichash_update(&st, (const unsigned char *)seal_kid_ctx,
				  sizeof(seal_kid_ctx) - 1);
	crypto_generichash_update(&st, key->k, SEAL_KEY);
	crypto_generichash_final(&st, key->fp, sizeof(key->fp));
	key->kid = (uint32_t)key->fp[0] << 24 | (uint32_t)key->fp[1] << 16 |
		   (uint32_t)key->fp[2] << 8 | key->fp[3];
}

/* seal.h documents seal_key_load(). */
int seal_key_load(struct lana_block *b, const char *path,
		  struct seal_key *key)
{
	char *buf = NULL;
	struct stat st;
	size_t bin_len = 0, n = 0;
	ssize_t r;
	int fd, rc = -EINVAL;

	key->k = NULL;
	if (!path || !*path) {
		lana_block_error(b, "key_file is required");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		lana_block_error(b, "key file %s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st)) {
		rc = -errno;
		lana_block_error(b, "key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		lana_block_error(b, "key file %s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		lana_block_error(b, "key file %s has mode %04o: it is "
				 "accessible by group or others; a key file "
				 "must be private to its owner (chmod 600 %s)",
				 path, (unsigned int)(st.st_mode & 07777),
				 path);
		rc = -EPERM;
		goto out;
	}
	buf = sodium_malloc(SEAL_B64 + 8);
	key->k = sodium_malloc(SEAL_KEY);
	if (!buf || !key->k) {
		lana_block_error(b, "key file %s: out of memory", path);
		rc = -ENOMEM;
		goto out;
	}
	while (n < SEAL_B64 + 3) {
		r = read(fd, buf + n, SEAL_B64 + 3 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			lana_block_error(b, "key file %s: %s", path,
					 strerror(errno));
			goto out;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	/* one trailing newline (LF or CRLF) is allowed, nothing else */
	if (n && buf[n - 1] == '\n')
		n--;
	if (n && buf[n - 1] == '\r')
		n--;
	if (n != SEAL_B64 ||
	    sodium_base642bin(key->k, SEAL_KEY, buf, n, NULL, &bin_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    bin_len != SEAL_KEY) {
		lana_block_error(b, "key file %s: not a key: expected 44 "
				 "characters of base64 (32 bytes, as `wg "
				 "genkey` writes) and a newline", path);
		rc = -EINVAL;
		goto out;
	}
	seal_key_id(key);
	rc = 0;
out:
	if (buf) {
		sodium_memzero(buf, SEAL_B64 + 8);
		sodium_free(buf);
	}
	if (rc && key->k) {
		sodium_free(key->k);	/* wipes it */
		key->k = NULL;
	}
	close(fd);
	return rc;
}

void seal_key_put(struct seal_key *key)
{
	if (key->k)
		sodium_free(key->k);
	key->k = NULL;
}

static uint64_t seal_live_gen;

void seal_live_free(void *obj)
{
	struct seal_live *l = obj;

	if (!l)
		return;
	seal_key_put(&l->key);
	lana_live_free(l);
}

/* seal.h documents seal_live_make(). */
int seal_live_make(struct lana_block *b, const struct lana_value *p,
		   int grace_idx, void **out)
{
	struct seal_live *l;
	int rc;

	if (p[0].type != LANA_PT_STRING) {
		lana_block_error(b, "key_file is required");
		return -EINVAL;
	}
	l = lana_live_alloc(b, sizeof(*l));
	if (!l)
		return -ENOMEM;
	rc = seal_key_load(b, p[0].str, &l->key);
	if (rc) {
		lana_live_free(l);
		return rc;
	}
	l->grace = 30000000000ull;
	if (grace_idx >= 0 && p[grace_idx].type != LANA_PT_NONE)
		l->grace = p[grace_idx].u;
	l->gen = __atomic_add_fetch(&seal_live_gen, 1, __ATOMIC_RELAXED);
	*out = l;
	return 0;
}

/* ------------------------------------------------------------- seal */

enum { SEAL_P_KEY_FILE, SEAL_P_MAX };

static const struct lana_param seal_params[] = {
	[SEAL_P_KEY_FILE] = {
		.name = "key_file", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED | LANA_PF_LIVE,
		.doc = "file holding the 32-byte key in base64 (`wg genkey`); "
		       "mode 0600 or stricter. A SET switches to the new key "
		       "at once",
	},
	[SEAL_P_MAX] = LANA_PARAM_END
};

static const struct lana_port seal_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_ETH,
	  .doc = "frames to seal" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_RAW,
	  .doc = "sealed datagrams: header, ciphertext, tag (docs/seal.md)" },
	LANA_PORT_END
};

/*
 * @seq: the next sequence number, shared by every worker (atomic),
 * seeded from CLOCK_REALTIME in ns; @salt: random per instance.
 */
struct seal_priv {
	uint64_t seq;
	uint8_t salt[SEAL_SALT];
};

struct seal_pcpu {
	uint64_t sealed;
	uint64_t too_big;
	uint64_t nomem;
};

static const struct lana_counter seal_counters[] = {
	LANA_COUNTER(struct seal_pcpu, sealed, "frames sealed"),
	LANA_COUNTER(struct seal_pcpu, too_big,
		     "frames dropped: longer than 65488 bytes"),
	LANA_COUNTER(struct seal_pcpu, nomem,
		     "frames dropped: no buffer for the datagram"),
	LANA_COUNTER_END
};

static int seal_init(struct lana_block *b, const struct lana_value *params)
{
	struct seal_priv *sp = b->priv;
	struct timespec ts;

	(void)params;
	if (sodium_init() < 0) {
		lana_block_error(b, "libsodium failed to initialise");
		return -EIO;
	}
	randombytes_buf(sp->salt, sizeof(sp->salt));
	clock_gettime(CLOCK_REALTIME, &ts);
	sp->seq = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return 0;
}

static int seal_live(struct lana_block *b, const struct lana_value *params,
		     void **out)
{
	return seal_live_make(b, params, -1, out);
}

static void seal_count(struct lana_block *b, unsigned int sealed,
		       unsigned int too_big, unsigned int nomem)
{
	struct seal_pcpu *c = lana_block_pcpu(b);

	__atomic_store_n(&c->sealed, c->sealed + sealed, __ATOMIC_RELAXED);
	__atomic_store_n(&c->too_big, c->too_big + too_big, __ATOMIC_RELAXED);
	__atomic_store_n(&c->nomem, c->nomem + nomem, __ATOMIC_RELAXED);
}

/*
 * Seal each frame into a new packet: header (the AD), then
 * XChaCha20-Poly1305 of the frame with nonce = salt || seq, then the tag.
 */
static int seal_rx(struct lana_block *b, struct lana_burst *v)
{
	struct seal_priv *sp = b->priv;
	const struct seal_live *l = v->live;
	unsigned int i, sealed = 0, too_big = 0, nomem = 0;

	for (i = 0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i], *q;
		uint32_t len = lana_pkt_len(p);
		unsigned long long clen;
		uint8_t *h;
		uint64_t seq;

		if (len > SEAL_MAXFRAME) {
			v->verdict[i] = LANA_DROP;
			too_big++;
			continue;
		}
		q = lana_pkt_alloc(b, len + SEAL_OVERHEAD);
		if (!q) {
			v->verdict[i] = LANA_DROP;
			nomem++;
			continue;
		}
		seq = __atomic_fetch_add(&sp->seq, 1, __ATOMIC_RELAXED);
		h = lana_pkt_data(q);
		h[SEAL_H_VER] = SEAL_VERSION;
		h[SEAL_H_RSVD] = h[SEAL_H_RSVD + 1] = h[SEAL_H_RSVD + 2] = 0;
		h[SEAL_H_KID] = (uint8_t)(l->key.kid >> 24);
		h[SEAL_H_KID + 1] = (uint8_t)(l->key.kid >> 16);
		h[SEAL_H_KID + 2] = (uint8_t)(l->key.kid >> 8);
		h[SEAL_H_KID + 3] = (uint8_t)l->key.kid;
		memcpy(h + SEAL_H_SALT, sp->salt, SEAL_SALT);
		lana_put_be64(h + SEAL_H_SEQ, seq);
		crypto_aead_xchacha20poly1305_ietf_encrypt(
			h + SEAL_HDR, &clen, lana_pkt_data(p), len,
			h, SEAL_HDR, NULL, h + SEAL_H_SALT, l->key.k);
		q->ts_ns = p->ts_ns;
		lana_pkt_free(p);
		v->pkt[i] = q;
		v->verdict[i] = 0;
		sealed++;
	}
	seal_count(b, sealed, too_big, nomem);
	return LANA_RX_VERDICTS;
}

LANA_BLOCK_TYPE(seal) = {
	.name = "seal",
	.synopsis = "seal(key_file)   in: eth -> out: raw",
	.doc = "Encrypt and authenticate whole frames (XChaCha20-Poly1305). "
	       "The 32-byte key is read from key_file (base64, as `wg "
	       "genkey` writes; refused when group or others may access "
	       "it); libsodium does the cryptography. Each frame leaves as one "
	       "datagram: a 32-byte header (version, key id, salt, sequence "
	       "number; authenticated), the ciphertext and a 16-byte tag "
	       "(docs/seal.md). A SET of key_file seals with the new key at "
	       "once. Userspace engine only.",
	.params = seal_params,
	.ports = seal_ports,
	.counters = seal_counters,
	.engines = LANA_ENGINE_USER,
	.flags = LANA_BT_FINAL,
	.priv_size = sizeof(struct seal_priv),
	.pcpu_size = sizeof(struct seal_pcpu),
	.init = seal_init,
	.live = seal_live,
	.live_free = seal_live_free,
	.rx = seal_rx,
};

