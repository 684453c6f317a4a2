// SPDX-License-Identifier: GPL-2.0
/*
 * bench/seal/seal.c - the cost of sealing and opening one frame with the
 * two AEADs blocks/seal.c could use (libsodium's
 * crypto_aead_xchacha20poly1305_ietf_* and crypto_aead_aes256gcm_*,
 * https://doc.libsodium.org/secret-key_cryptography/aead), and with the
 * seal and unseal blocks themselves (blocks/seal.c: header, nonce,
 * replay window).
 *
 * Usage: bench-seal [-n FRAMES]   (default 1000000 per size)
 *
 * For 64-byte and 1500-byte frames it prints ns per frame for encrypt,
 * decrypt and both, per AEAD, then seal+unseal through the blocks (one
 * burst of 32 at a time, as the engine hands them; the packet copy the
 * bench makes per frame is included). The AD is a 16-byte header, as the
 * block's.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/engine_internal.h"
#include "blocks/catalogue.h"
#include "plan/value.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

typedef int (*enc_fn)(unsigned char *c, unsigned long long *clen,
		      const unsigned char *m, unsigned long long mlen,
		      const unsigned char *ad, unsigned long long adlen,
		      const unsigned char *nsec, const unsigned char *npub,
		      const unsigned char *k);
typedef int (*dec_fn)(unsigned char *m, unsigned long long *mlen,
		      unsigned char *nsec, const unsigned char *c,
		      unsigned long long clen, const unsigned char *ad,
		      unsigned long long adlen, const unsigned char *npub,
		      const unsigned char *k);

static void bench_aead(const char *name, enc_fn enc, dec_fn dec,
		       size_t npub, unsigned int len, unsigned long n)
{
	unsigned char key[32], nonce[24] = { 0 }, ad[16] = { 1 };
	unsigned char m[1600], c[1600 + 16], out[1600];
	unsigned long long clen, mlen;
	uint64_t t0, t1, t2;
	unsigned long i;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(m, len);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		memcpy(nonce, &i, sizeof(i));
		enc(c, &clen, m, len, ad, sizeof(ad), NULL, nonce, key);
	}
	t1 = now_ns();
	for (i = 0; i < n; i++) {
		/* the same ciphertext each time: decrypt cost only */
		memcpy(nonce, &(unsigned long){ n - 1 }, sizeof(i));
		if (dec(out, &mlen, NULL, c, clen, ad, sizeof(ad), nonce,
			key)) {
			fprintf(stderr, "bench-seal: %s: decrypt failed\n",
				name);
			exit(1);
		}
	}
	t2 = now_ns();
	(void)npub;
	printf("%-22s %5u B  seal %7.1f  open %7.1f  both %7.1f ns/frame\n",
	       name, len, (double)(t1 - t0) / n, (double)(t2 - t1) / n,
	       (double)(t2 - t0) / n);
}

/* Build block @type with key_file @path, as harness.c does. */
static struct lana_block *mk_block(const char *type, const char *path,
				   void **live)
{
	const struct lana_block_type *bt = lana_catalogue_find(type);
	struct lana_block *b = calloc(1, sizeof(*b));
	struct lana_value *pv;
	unsigned int np = 0, i;

	if (!bt || !b) {
		fprintf(stderr, "bench-seal: no block type %s\n", type);
		exit(1);
	}
	while (bt->params[np].name)
		np++;
	pv = calloc(np + 1, sizeof(*pv));
	for (i = 0; i < np; i++) {
		if (!strcmp(bt->params[i].name, "key_file")) {
			pv[i].type = LANA_PT_STRING;
			pv[i].str = path;
		} else if (!strcmp(bt->params[i].name, "grace")) {
			pv[i].type = LANA_PT_DURATION;
			pv[i].u = 30000000000ull;
		}
	}
	b->type = bt;
	b->name = type;
	b->priv = calloc(1, bt->priv_size ? bt->priv_size : 1);
	b->pcpu = calloc(1, bt->pcpu_size ? bt->pcpu_size : 1);
	if (bt->init(b, pv) || bt->live(b, pv, live)) {
		fprintf(stderr, "bench-seal: %s: init failed\n", type);
		exit(1);
	}
	return b;
}

static void bench_blocks(const char *key_path, unsigned int len,
			 unsigned long n)
{
	void *slive, *ulive;
	struct lana_block *s = mk_block("seal", key_path, &slive);
	struct lana_block *u = mk_block("unseal", key_path, &ulive);
	unsigned char frame[1600];
	struct lana_burst v;
	unsigned long done = 0, opened = 0;
	uint64_t t0, t1;
	unsigned int i;

	randombytes_buf(frame, len);
	t0 = now_ns();
	while (done < n) {
		memset(&v, 0, sizeof(v));
		for (i = 0; i < LANA_BURST; i++) {
			v.pkt[i] = lana_pkt_alloc(s, len);
			memcpy(lana_pkt_data(v.pkt[i]), frame, len);
		}
		v.n = LANA_BURST;
		v.live = slive;
		s->type->rx(s, &v);
		v.live = ulive;
		s->type->rx == NULL ? (void)0 : (void)0;
		if (u->type->rx(u, &v) != LANA_RX_VERDICTS) {
			fprintf(stderr, "bench-seal: unseal: no verdicts\n");
			exit(1);
		}
		for (i = 0; i < v.n; i++) {
			if (v.verdict[i] == 0)
				opened++;
			lana_pkt_free(v.pkt[i]);
		}
		done += LANA_BURST;
	}
	t1 = now_ns();
	if (opened != done) {
		fprintf(stderr, "bench-seal: %lu of %lu frames opened\n",
			opened, done);
		exit(1);
	}
	printf("%-22s %5u B  seal+unseal %7.1f ns/frame (blocks, bursts of %d)\n",
	       "seal -> unseal", len, (double)(t1 - t0) / done, LANA_BURST);
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 64, 1500 };
	unsigned long n = 1000000;
	char path[] = "/tmp/bench-seal-key-XXXXXX";
	unsigned char key[32];
	char b64[64];
	unsigned int i;
	int opt, fd;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt == 'n') {
			n = strtoul(optarg, NULL, 0);
		} else {
			fprintf(stderr, "usage: bench-seal [-n FRAMES]\n");
			return 2;
		}
	}
	if (!n || sodium_init() < 0) {
		fprintf(stderr, "bench-seal: sodium_init failed or -n 0\n");
		return 1;
	}
	printf("AES-NI: %s (crypto_aead_aes256gcm_is_available)\n",
	       crypto_aead_aes256gcm_is_available() ? "yes" : "no");
	for (i = 0; i < 2; i++) {
		bench_aead("xchacha20poly1305", 
			   crypto_aead_xchacha20poly1305_ietf_encrypt,
			   crypto_aead_xchacha20poly1305_ietf_decrypt, 24,
			   sizes[i], n);
		if (crypto_aead_aes256gcm_is_available())
			bench_aead("aes256gcm", crypto_aead_aes256gcm_encrypt,
				   crypto_aead_aes256gcm_decrypt, 12,
				   sizes[i], n);
	}
	if (!getenv("BENCH_SEAL_NO_BLOCKS") && lana_catalogue_find("seal")) {
		fd = mkstemp(path);
		randombytes_buf(key, sizeof(key));
		sodium_bin2base64(b64, sizeof(b64), key, sizeof(key),
				  sodium_base64_VARIANT_ORIGINAL);
		if (fd < 0 || fchmod(fd, 0600) ||
		    write(fd, b64, strlen(b64)) != (ssize_t)strlen(b64) ||
		    write(fd, "\n", 1) != 1) {
			perror("bench-seal: key file");
			return 1;
		}
		close(fd);
		for (i = 0; i < 2; i++)
			bench_blocks(path, sizes[i], n);
		unlink(path);
	}
	return 0;
}
