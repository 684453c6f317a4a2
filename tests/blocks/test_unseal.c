// SPDX-License-Identifier: GPL-2.0
/*
 * tests/blocks/test_unseal.c - unseal (blocks/unseal.c), fed by seal: the
 * RFC 6479 replay window (replays, reordering inside the window, frames
 * too old at the window's edge worked out by hand: 2048 - 64 = 1984
 * sequence numbers, forged sequence numbers that must not move it),
 * forgeries, malformed datagrams, a mismatching key, and key rotation
 * with a grace period.
 */
#include "seal_util.h"

static void test_replay(void **state)
{
	static const unsigned int all[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const unsigned int back[] = { 6, 5, 4, 3, 2, 1, 0 };
	static const unsigned int last[] = { 7 };
	char *ka = key_file(key_a_b64, 0600);
	struct tb *s = mk("seal", ka, NULL), *u = mk("unseal", ka, NULL);
	struct lana_burst v, w;

	seal_n(s, &v, 0, 8);
	/* the newest first, then the others backwards: all in the window */
	pick(&w, &v, last, 1);
	assert_int_equal(open_all(u, &w), 1);
	burst_free(&w, LANA_RX_VERDICTS);
	pick(&w, &v, back, 7);
	assert_int_equal(open_all(u, &w), 7);
	burst_free(&w, LANA_RX_VERDICTS);
	/* every one again: each replay dropped and counted */
	pick(&w, &v, all, 8);
	assert_int_equal(open_all(u, &w), 0);
	burst_free(&w, LANA_RX_VERDICTS);
	/* the newest once more */
	pick(&w, &v, last, 1);
	assert_int_equal(open_all(u, &w), 0);
	burst_free(&w, LANA_RX_VERDICTS);
	assert_int_equal(tb_stat(u, "opened"), 8);
	assert_int_equal(tb_stat(u, "replayed"), 9);
	assert_int_equal(tb_stat(u, "forged"), 0);
	burst_free(&v, LANA_RX_VERDICTS);

	/* a new frame twice in one burst: the second is the replay */
	seal_n(s, &v, 8, 1);
	pick(&w, &v, all, 1);
	burst_add(&w, lana_pkt_data(v.pkt[0]), lana_pkt_len(v.pkt[0]));
	assert_int_equal(open_all(u, &w), 1);
	assert_int_equal(w.verdict[0], 0);
	assert_int_equal(w.verdict[1], 1);
	burst_free(&w, LANA_RX_VERDICTS);
	assert_int_equal(tb_stat(u, "replayed"), 10);
	burst_free(&v, LANA_RX_VERDICTS);
	tb_free(s);
	tb_free(u);
	unlink(ka);
	free(ka);
}

/*
 * A flipped byte anywhere in salt, sequence number, ciphertext or tag is
 * forged; in version or reserved bytes malformed; in the key id an
 * unknown key. The refused datagram leaves at reject unchanged, and a
 * forged sequence number far ahead does not move the window: the genuine
 * frame after it still opens.
 */
static void test_forged(void **state)
{
	static const unsigned int at[] = { 8, 23, 24, 26, 31, 32, 100 };
	static const unsigned int idx0[] = { 0 };
	char *ka = key_file(key_a_b64, 0600);
	struct tb *s = mk("seal", ka, NULL), *u = mk("unseal", ka, NULL);
	struct lana_burst v, w;
	uint8_t d[1700];
	unsigned int i;
	uint32_t dl;

	seal_n(s, &v, 3, 1);	/* 1000 bytes: 1048 sealed */
	dl = lana_pkt_len(v.pkt[0]);
	for (i = 0; i < sizeof(at) / sizeof(at[0]) + 2; i++) {
		unsigned int off = i < sizeof(at) / sizeof(at[0]) ? at[i] :
				   i == sizeof(at) / sizeof(at[0]) ? dl - 16 :
				   dl - 1;

		memcpy(d, lana_pkt_data(v.pkt[0]), dl);
		d[off] ^= 0x10;
		burst_init(&w);
		burst_add(&w, d, dl);
		assert_int_equal(open_all(u, &w), 0);
		assert_frame(w.pkt[0], d, dl);
		burst_free(&w, LANA_RX_VERDICTS);
	}
	assert_int_equal(tb_stat(u, "forged"), 9);
	/* version, reserved, key id */
	for (i = 0; i < 3; i++) {
		static const unsigned int hat[] = { 0, 2, 5 };

		memcpy(d, lana_pkt_data(v.pkt[0]), dl);
		d[hat[i]] ^= 0x01;
		burst_init(&w);
		burst_add(&w, d, dl);
		assert_int_equal(open_all(u, &w), 0);
		burst_free(&w, LANA_RX_VERDICTS);
	}
	/* too short for header and tag */
	burst_init(&w);
	burst_add(&w, lana_pkt_data(v.pkt[0]), 47);
	assert_int_equal(open_all(u, &w), 0);
	burst_free(&w, LANA_RX_VERDICTS);
	assert_int_equal(tb_stat(u, "malformed"), 3);
	assert_int_equal(tb_stat(u, "unknown_key"), 1);
	assert_int_equal(tb_stat(u, "forged"), 9);
	assert_int_equal(tb_stat(u, "opened"), 0);
	/* the genuine frame opens: no forgery moved the window */
	pick(&w, &v, idx0, 1);
	assert_int_equal(open_all(u, &w), 1);
	burst_free(&w, LANA_RX_VERDICTS);
	burst_free(&v, LANA_RX_VERDICTS);
	tb_free(s);
	tb_free(u);
	unlink(ka);
	free(ka);
}

/*
 * Window edges (RFC 6479 sec. 2 with 2048 bits: 1984 numbers): with
 * frames 0..2100 sealed (seq s0 + i) and frame 2100 opened first, frame
 * 2100 - 1983 = 117 is the oldest still judged by its bit, 116 is too
 * old, and 0 is far too old.
 */
static void test_too_old(void **state)
{
	static const unsigned int newest[] = { 2100 & 31 };
	char *ka = key_file(key_a_b64, 0600);
	struct tb *s = mk("seal", ka, NULL), *u = mk("unseal", ka, NULL);
	struct lana_burst b[66], w;
	unsigned int i, k;

	for (k = 0; k < 66; k++)
		seal_n(s, &b[k], k * 32, 32);	/* frames 0..2111 */
	pick(&w, &b[2100 / 32], newest, 1);
	assert_int_equal(open_all(u, &w), 1);
	burst_free(&w, LANA_RX_VERDICTS);
	for (i = 0; i < 4; i++) {
		static const unsigned int fr[] = { 117, 116, 0, 2000 };
		unsigned int one[] = { fr[i] % 32 };

		pick(&w, &b[fr[i] / 32], one, 1);
		assert_int_equal(open_all(u, &w), i == 0 || i == 3);
		burst_free(&w, LANA_RX_VERDICTS);
	}
	assert_int_equal(tb_stat(u, "too_old"), 2);
	assert_int_equal(tb_stat(u, "opened"), 3);
	for (k = 0; k < 66; k++)
		burst_free(&b[k], LANA_RX_VERDICTS);
	tb_free(s);
	tb_free(u);
	unlink(ka);
	free(ka);
}

static void test_mismatch(void **state)
{
	char *ka = key_file(key_a_b64, 0600), *kb = key_file(key_b_b64, 0600);
	struct tb *s = mk("seal", ka, NULL), *u = mk("unseal", kb, NULL);
	struct lana_burst v;

	seal_n(s, &v, 0, 10);
	assert_int_equal(open_all(u, &v), 0);
	burst_free(&v, LANA_RX_VERDICTS);
	assert_int_equal(tb_stat(u, "unknown_key"), 10);
	assert_int_equal(tb_stat(u, "opened"), 0);
	tb_free(s);
	tb_free(u);
	unlink(ka);
	unlink(kb);
	free(ka);
	free(kb);
}

/*
 * Rotation A -> B with grace = 300 ms: frames sealed with A before the
 * SET still open after it (and their replays are still caught: A's window
 * survived), frames with B open; after the grace, A's are refused.
 * A SET to the same key (another file) keeps the window.
 */
static void test_rotation(void **state)
{
	static const unsigned int i0[] = { 0 }, i1[] = { 1 }, i2[] = { 2 },
				  i3[] = { 3 };
	char *ka = key_file(key_a_b64, 0600), *kb = key_file(key_b_b64, 0600);
	char *ka2 = key_file(key_a_b64, 0600);
	struct tb *s = mk("seal", ka, NULL), *u = mk("unseal", ka, "300ms");
	struct lana_burst va, vb, w;

	seal_n(s, &va, 0, 4);
	pick(&w, &va, i0, 1);
	assert_int_equal(open_all(u, &w), 1);
	burst_free(&w, LANA_RX_VERDICTS);

	/* the same key from another file: the window is kept */
	assert_int_equal(tb_set(u, "key_file", ka2), 0);
	pick(&w, &va, i0, 1);
	assert_int_equal(open_all(u, &w), 0);
	burst_free(&w, LANA_RX_VERDICTS);
	assert_int_equal(tb_stat(u, "replayed"), 1);

	assert_int_equal(tb_set(s, "key_file", kb), 0);
	assert_int_equal(tb_set(u, "key_file", kb), 0);
	seal_n(s, &vb, 10, 2);
	assert_int_equal(open_all(u, &vb), 2);	/* the new key */
	burst_free(&vb, LANA_RX_VERDICTS);
	pick(&w, &va, i1, 1);
	assert_int_equal(open_all(u, &w), 1);	/* old key, in grace */
	burst_free(&w, LANA_RX_VERDICTS);
	pick(&w, &va, i0, 1);
	assert_int_equal(open_all(u, &w), 0);	/* its window survived */
	burst_free(&w, LANA_RX_VERDICTS);
	assert_int_equal(tb_stat(u, "replayed"), 2);
	pick(&w, &va, i2, 1);
	assert_int_equal(open_all(u, &w), 1);
	burst_free(&w, LANA_RX_VERDICTS);

	usleep(400000);
	pick(&w, &va, i3, 1);
	assert_int_equal(open_all(u, &w), 0);	/* grace over */
	burst_free(&w, LANA_RX_VERDICTS);
	assert_int_equal(tb_stat(u, "unknown_key"), 1);
	seal_n(s, &vb, 12, 1);
	assert_int_equal(open_all(u, &vb), 1);
	burst_free(&vb, LANA_RX_VERDICTS);
	assert_int_equal(tb_stat(u, "opened"), 6);
	burst_free(&va, LANA_RX_VERDICTS);
	tb_free(s);
	tb_free(u);
	unlink(ka);
	unlink(kb);
	unlink(ka2);
	free(ka);
	free(kb);
	free(ka2);
}

/*
 * A worker still running the version before a SET (its live object holds
 * the old key A) while another already runs the new one (key B): it must
 * open B's datagrams through the ring and judge A's in A's own window,
 * not in B's.
 */
static void test_rotation_old_version(void **state)
{
	static const unsigned int i0[] = { 0 }, i1[] = { 1 };
	char *ka = key_file(key_a_b64, 0600), *kb = key_file(key_b_b64, 0600);
	struct tb *sa = mk("seal", ka, NULL), *sb = mk("seal", kb, NULL);
	struct tb *u = mk("unseal", ka, "10s");
	struct lana_burst va, vb, w;
	void *old_live = NULL;

	/* the old version's live object, made before the SET */
	assert_int_equal(u->b.type->live(&u->b, u->params, &old_live), 0);
	assert_int_equal(tb_set(u, "key_file", kb), 0);
	seal_n(sa, &va, 0, 2);
	seal_n(sb, &vb, 0, 2);
	pick(&w, &vb, i0, 1);
	assert_int_equal(open_all(u, &w), 1);	/* the new version: B */
	burst_free(&w, LANA_RX_VERDICTS);

	pick(&w, &vb, i1, 1);
	w.live = old_live;
	assert_int_equal(u->b.type->rx(&u->b, &w), LANA_RX_VERDICTS);
	assert_int_equal(w.verdict[0], 0);	/* B via the ring */
	burst_free(&w, LANA_RX_VERDICTS);
	pick(&w, &va, i0, 1);
	w.live = old_live;
	assert_int_equal(u->b.type->rx(&u->b, &w), LANA_RX_VERDICTS);
	assert_int_equal(w.verdict[0], 0);	/* A with its own key */
	burst_free(&w, LANA_RX_VERDICTS);
	/* A's frame 1 in the new version: A is in its grace */
	pick(&w, &va, i1, 1);
	assert_int_equal(open_all(u, &w), 1);
	burst_free(&w, LANA_RX_VERDICTS);
	pick(&w, &vb, i1, 1);
	assert_int_equal(open_all(u, &w), 0);	/* B's 1 again: replay */
	burst_free(&w, LANA_RX_VERDICTS);
	assert_int_equal(tb_stat(u, "opened"), 4);
	assert_int_equal(tb_stat(u, "replayed"), 1);
	assert_int_equal(tb_stat(u, "unknown_key"), 0);
	u->b.type->live_free(old_live);
	burst_free(&va, LANA_RX_VERDICTS);
	burst_free(&vb, LANA_RX_VERDICTS);
	tb_free(sa);
	tb_free(sb);
	tb_free(u);
	unlink(ka);
	unlink(kb);
	free(ka);
	free(kb);
}

static const struct CMUnitTest unseal_tests[] = {
	cmocka_unit_test(test_replay),
	cmocka_unit_test(test_forged),
	cmocka_unit_test(test_too_old),
	cmocka_unit_test(test_mismatch),
	cmocka_unit_test(test_rotation),
	cmocka_unit_test(test_rotation_old_version),
};

BLOCK_TESTS(unseal, unseal_tests);
