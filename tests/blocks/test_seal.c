// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_seal.c - seal (blocks/seal.c), with unseal: round
 * trips, the wire format of docs/seal.md checked with libsodium directly
 * (decrypting a sealed frame, and building a datagram by hand that unseal
 * must open), key files, and seal -> unseal in the engine with two
 * workers. Expected values come from the document and from hand
 * computation, not from the blocks' code: the key id is
 * BLAKE2b-256("lana-seal key id v1" || key)[0..3], the nonce header bytes
 * 8..31, the AD header bytes 0..31. tests/blocks/test_unseal.c has the
 * replay window, forgeries and rotation.
 */
#include "seal_util.h"

#include <sodium.h>

static void test_roundtrip(void **state)
{
	char *ka = key_file(key_a_b64, 0600);
	struct tb *s = mk("seal", ka, NULL), *u = mk("unseal", ka, NULL);
	struct lana_burst v;
	uint8_t f[1600];
	uint64_t seq0;
	unsigned int i;
	uint32_t len;

	seal_n(s, &v, 0, 10);
	seq0 = 0;
	for (i = 0; i < 10; i++) {
		const uint8_t *d = lana_pkt_data(v.pkt[i]);
		uint32_t j, dl = lana_pkt_len(v.pkt[i]);
		uint64_t seq = 0;

		len = mk_frame(f, i);
		/* 32-byte header + frame + 16-byte tag */
		assert_int_equal(dl, len + 48);
		assert_int_equal(d[0], 1);
		assert_int_equal(d[1] | d[2] | d[3], 0);
		for (j = 0; j < 8; j++)
			seq = seq << 8 | d[24 + j];
		/* one sequence number per frame, in order */
		if (i)
			assert_true(seq == seq0 + i);
		else
			seq0 = seq;
		/* no 16-byte run of the plaintext survives anywhere */
		for (j = 0; j + 16 <= len; j++)
			assert_false(contains(d, dl, f + j, 16));
	}
	assert_int_equal(tb_stat(s, "sealed"), 10);
	assert_int_equal(open_all(u, &v), 10);
	for (i = 0; i < 10; i++) {
		len = mk_frame(f, i);
		assert_frame(v.pkt[i], f, len);
	}
	burst_free(&v, LANA_RX_VERDICTS);
	assert_int_equal(tb_stat(u, "opened"), 10);
	assert_int_equal(tb_stat(u, "forged"), 0);
	assert_int_equal(tb_stat(u, "replayed"), 0);
	tb_free(s);
	tb_free(u);
	unlink(ka);
	free(ka);
}

/* BLAKE2b-256("lana-seal key id v1" || key), first 4 bytes (docs/seal.md) */
static void doc_kid(const unsigned char *key, uint8_t *kid)
{
	unsigned char m[19 + 32], h[32];

	memcpy(m, "lana-seal key id v1", 19);
	memcpy(m + 19, key, 32);
	crypto_generichash(h, 32, m, sizeof(m), NULL, 0);
	memcpy(kid, h, 4);
}

/*
 * The format from docs/seal.md alone: open a sealed frame with libsodium
 * (nonce = header[8..32), AD = header[0..32), key A's bytes), and build a
 * datagram by hand that unseal must open; one with key A's id but sealed
 * under key B is forged.
 */
static void test_format(void **state)
{
	char *ka = key_file(key_a_b64, 0600);
	struct tb *s = mk("seal", ka, NULL), *u = mk("unseal", ka, NULL);
	unsigned char key[32], kb[32], m[1600], d[1700];
	unsigned long long mlen, clen;
	uint8_t f[1600], kid[4];
	struct lana_burst v;
	uint32_t len, dl;
	const uint8_t *p;

	assert_true(sodium_init() >= 0);
	key_a(key);
	memset(kb, 0xff, sizeof(kb));
	doc_kid(key, kid);
	seal_n(s, &v, 3, 1);
	p = lana_pkt_data(v.pkt[0]);
	dl = lana_pkt_len(v.pkt[0]);
	len = mk_frame(f, 3);
	assert_memory_equal(p + 4, kid, 4);
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
		m, &mlen, NULL, p + 32, dl - 32, p, 32, p + 8, key), 0);
	assert_int_equal(mlen, len);
	assert_memory_equal(m, f, len);
	burst_free(&v, LANA_RX_VERDICTS);

	/* by hand: version 1, key id, salt 0x5a.., seq 42 */
	memset(d, 0, 32);
	d[0] = 1;
	memcpy(d + 4, kid, 4);
	memset(d + 8, 0x5a, 16);
	d[31] = 42;
	crypto_aead_xchacha20poly1305_ietf_encrypt(d + 32, &clen, f, len, d,
						   32, NULL, d + 8, key);
	burst_init(&v);
	burst_add(&v, d, (uint32_t)(32 + clen));
	assert_int_equal(open_all(u, &v), 1);
	assert_frame(v.pkt[0], f, len);
	burst_free(&v, LANA_RX_VERDICTS);

	/* the same header (seq 43) sealed under key B: forged */
	d[31] = 43;
	crypto_aead_xchacha20poly1305_ietf_encrypt(d + 32, &clen, f, len, d,
						   32, NULL, d + 8, kb);
	burst_init(&v);
	burst_add(&v, d, (uint32_t)(32 + clen));
	assert_int_equal(open_all(u, &v), 0);
	burst_free(&v, LANA_RX_VERDICTS);
	assert_int_equal(tb_stat(u, "opened"), 1);
	assert_int_equal(tb_stat(u, "forged"), 1);
	tb_free(s);
	tb_free(u);
	unlink(ka);
	free(ka);
}

static void test_key_files(void **state)
{
	static const char *const bad[] = {
		"AAECAwQFBgcICQoLDA0ODw==",	/* 16 bytes */
		"not a key at all, not a key at all, not a k!",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=AAAA",
		"",
	};
	char *k644 = key_file(key_a_b64, 0644), *k640 = key_file(key_a_b64, 0640);
	const char *kv[] = { "key_file", k644, NULL };
	struct tb *t;
	unsigned int i;
	char want[128];

	assert_int_not_equal(tb_try("seal", kv, &t), 0);
	snprintf(want, sizeof(want), "key file %s has mode 0644", k644);
	assert_non_null(strstr(t->err, want));
	tb_free(t);
	kv[1] = k640;
	assert_int_not_equal(tb_try("unseal", kv, &t), 0);
	snprintf(want, sizeof(want), "key file %s has mode 0640", k640);
	assert_non_null(strstr(t->err, want));
	tb_free(t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *p = key_file(bad[i], 0600);

		kv[1] = p;
		assert_int_not_equal(tb_try("seal", kv, &t), 0);
		assert_non_null(strstr(t->err, p));
		assert_non_null(strstr(t->err, "not a key"));
		tb_free(t);
		unlink(p);
		free(p);
	}
	kv[1] = "/nonexistent/lana.key";
	assert_int_not_equal(tb_try("seal", kv, &t), 0);
	assert_non_null(strstr(t->err, "/nonexistent/lana.key"));
	tb_free(t);
	/* 0400 is fine; so is the key without a newline: CRLF too */
	chmod(k644, 0400);
	kv[1] = k644;
	assert_int_equal(tb_try("seal", kv, &t), 0);
	tb_free(t);
	/* and the SET of a bad key file fails, the old key stays */
	t = mk("seal", k644, NULL);
	assert_int_not_equal(tb_set(t, "key_file", k640), 0);
	assert_non_null(strstr(t->err, "0640"));
	tb_free(t);
	unlink(k644);
	unlink(k640);
	free(k644);
	free(k640);
}

/* Through the engine, two workers: gen -> seal -> unseal -> counter. */
static void test_engine(void **state)
{
	char *ka = key_file(key_a_b64, 0600);
	struct lana_engine *e;
	char src[512];

	snprintf(src, sizeof(src),
		 "gen(count = 5000, size = 1000B) -> s :: seal(key_file = \"%s\")"
		 " -> u :: unseal(key_file = \"%s\") -> c :: counter() -> drop();",
		 ka, ka);
	e = engine_run(src);
	assert_int_equal(engine_stat(e, "s", "sealed"), 5000);
	assert_int_equal(engine_stat(e, "u", "opened"), 5000);
	assert_int_equal(engine_stat(e, "u", "replayed"), 0);
	assert_int_equal(engine_stat(e, "c", "packets"), 5000);
	lana_engine_free(e);
	unlink(ka);
	free(ka);
}

static const struct CMUnitTest seal_tests[] = {
	cmocka_unit_test(test_roundtrip),
	cmocka_unit_test(test_format),
	cmocka_unit_test(test_key_files),
	cmocka_unit_test(test_engine),
};

BLOCK_TESTS(seal, seal_tests);
