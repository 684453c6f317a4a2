// SPDX-License-Identifier: GPL-2.0
/*
 * blocks/unseal.c - open what seal (blocks/seal.c) sealed.
 *
 * unseal(key_file, grace = 30s)   in: raw -> out: eth, reject: raw (optional)
 *
 * Each datagram is checked for form, its key id looked up among the
 * current key and the previous keys still in their grace, authenticated
 * and decrypted with XChaCha20-Poly1305 (libsodium), and only then checked
 * against, and entered into, the replay window of its key: the RFC 6479
 * sliding bitmap (sec. 2, 2048 bits as 32 blocks of 64, window 1984).
 * Refused datagrams leave unchanged at reject, or are dropped, each kind
 * counted. docs/seal.md has the format and the reasoning.
 *
 * key_file and grace are live. The keys and their windows live in the
 * instance (b->priv): a ring of UNSEAL_SLOTS slots, found by fingerprint,
 * that follows the live object's key when a newer live object brings
 * another one; so a SET never resets the window of a key it keeps, and
 * the previous key is accepted until @grace after the first burst that
 * ran in the new version. Every worker shares the ring under a block lock;
 * decryption with the current key (from the live object) runs outside it.
 */
#include "seal.h"

#include <errno.h>
#include <string.h>

/*
 * Replay window, RFC 6479 sec. 2 (as WireGuard's noise.c counter): a ring
 * of WIN_BLOCKS 64-bit blocks; bit (seq mod WIN_BITS) marks seq as seen.
 * Sequence numbers up to WIN_SIZE below the highest seen (@top) are
 * judged by their bit; older ones are too old. The block holding @top
 * is always part of the ring, so one block (64 bits) of the ring is
 * redundant: moving @top forward clears whole blocks without a shift.
 */
#define WIN_BITS	2048u
#define WIN_BLOCKS	(WIN_BITS / 64)
#define WIN_SIZE	(WIN_BITS - 64)

struct seal_window {
	uint64_t top;		/* highest sequence number accepted */
	bool any;		/* a frame has been accepted */
	uint64_t bits[WIN_BLOCKS];
};

enum win_verdict { WIN_OK, WIN_REPLAY, WIN_OLD };

/*
 * Check @seq against @w and, when it is fresh, mark it (RFC 6479 sec. 2,
 * figure 3). Call only for a frame that authenticated.
 */
static enum win_verdict window_update(struct seal_window *w, uint64_t seq)
{
	uint64_t idx = seq / 64, cur, diff, i, mask;

	if (!w->any) {
		memset(w->bits, 0, sizeof(w->bits));
		w->top = seq;
		w->any = true;
	} else if (seq > w->top) {
		/* slide: clear the blocks between the old top's and seq's */
		cur = w->top / 64;
		diff = idx - cur;
		if (diff > WIN_BLOCKS)
			diff = WIN_BLOCKS;
		for (i = 1; i <= diff; i++)
			w->bits[(cur + i) % WIN_BLOCKS] = 0;
		w->top = seq;
	} else if (w->top - seq >= WIN_SIZE) {
		return WIN_OLD;
	}
	mask = 1ull << (seq % 64);
	if (w->bits[idx % WIN_BLOCKS] & mask)
		return WIN_REPLAY;
	w->bits[idx % WIN_BLOCKS] |= mask;
	return WIN_OK;
}

enum { UNSEAL_P_KEY_FILE, UNSEAL_P_GRACE, UNSEAL_P_MAX };

static const struct lana_param unseal_params[] = {
	[UNSEAL_P_KEY_FILE] = {
		.name = "key_file", .type = LANA_PT_STRING,
		.flags = LANA_PF_REQUIRED | LANA_PF_LIVE,
		.doc = "file holding the 32-byte key in base64 (`wg genkey`); "
		       "mode 0600 or stricter. After a SET the previous key "
		       "is still accepted for grace",
	},
	[UNSEAL_P_GRACE] = {
		.name = "grace", .type = LANA_PT_DURATION,
		.flags = LANA_PF_LIVE | LANA_PF_RANGE,
		.min = 0, .max = 86400000000000ull, .def = "30s",
		.doc = "how long after a SET of key_file the previous key is "
		       "still accepted (0 .. 1 day)",
	},
	[UNSEAL_P_MAX] = LANA_PARAM_END
};

static const struct lana_port unseal_ports[] = {
	{ .name = "in", .dir = LANA_PORT_IN, .frame = LANA_FRAME_RAW,
	  .doc = "sealed datagrams" },
	{ .name = "out", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_ETH,
	  .doc = "frames that authenticated and were not seen before" },
	{ .name = "reject", .dir = LANA_PORT_OUT, .frame = LANA_FRAME_RAW,
	  .flags = LANA_PORTF_OPTIONAL,
	  .doc = "datagrams refused (malformed, unknown key, forged, "
		 "replayed, too old), unchanged; dropped when unconnected" },
	LANA_PORT_END
};

/*
 * The keys unseal knows: slot @cur holds the current key, the others keys
 * of earlier live objects; a slot other than @cur accepts frames until
 * @until (lana_now_ns()), set when the key stopped being current. Slots
 * keep their replay windows; a key comes back into the slot that has its
 * fingerprint. @gen is the generation of the live object @cur came from.
 */
#define UNSEAL_SLOTS	4

struct unseal_slot {
	bool used;
	uint32_t kid;
	unsigned char fp[32];
	unsigned char *k;	/* SEAL_KEY bytes, sodium_malloc, in init */
	uint64_t until;
	uint64_t last;		/* lana_now_ns() it became non-current */
	struct seal_window win;
};

struct unseal_priv {
	struct lana_lock lock;
	unsigned int cur;
	uint64_t gen;
	struct unseal_slot slot[UNSEAL_SLOTS];
};

struct unseal_pcpu {
	uint64_t opened;
	uint64_t malformed;
	uint64_t unknown_key;
	uint64_t forged;
	uint64_t replayed;
	uint64_t too_old;
	uint64_t nomem;
};

static const struct lana_counter unseal_counters[] = {
	LANA_COUNTER(struct unseal_pcpu, opened,
		     "frames that authenticated and passed the replay window"),
	LANA_COUNTER(struct unseal_pcpu, malformed,
		     "datagrams shorter than 48 bytes, or of another version "
		     "or with reserved bits set"),
	LANA_COUNTER(struct unseal_pcpu, unknown_key,
		     "datagrams whose key id is neither the current key's nor "
		     "that of a previous key within its grace"),
	LANA_COUNTER(struct unseal_pcpu, forged,
		     "datagrams that failed authentication (any byte of "
		     "header, ciphertext or tag changed, or another key)"),
	LANA_COUNTER(struct unseal_pcpu, replayed,
		     "authentic datagrams whose sequence number was seen "
		     "before (RFC 6479 window)"),
	LANA_COUNTER(struct unseal_pcpu, too_old,
		     "authentic datagrams more than 1984 sequence numbers "
		     "behind the newest one seen"),
	LANA_COUNTER(struct unseal_pcpu, nomem,
		     "datagrams dropped: no buffer for the frame"),
	LANA_COUNTER_END
};

static int unseal_init(struct lana_block *b, const struct lana_value *params)
{
	struct unseal_priv *up = b->priv;
	unsigned int i;

	if (sodium_init() < 0) {
		lana_block_error(b, "libsodium failed to initialise");
		return -EIO;
	}
	for (i = 0; i < UNSEAL_SLOTS; i++) {
		up->slot[i].k = sodium_malloc(SEAL_KEY);
		if (!up->slot[i].k) {
			while (i--) {
				sodium_free(up->slot[i].k);
				up->slot[i].k = NULL;
			}
			lana_block_error(b, "out of memory");
			return -ENOMEM;
		}
	}
	/*
	 * The first key is current from the start, so that a SET before
	 * any datagram has arrived still leaves it its grace.
	 */
	if (params[UNSEAL_P_KEY_FILE].type == LANA_PT_STRING) {
		struct seal_key key;
		int rc = seal_key_load(b, params[UNSEAL_P_KEY_FILE].str, &key);

		if (rc) {
			for (i = 0; i < UNSEAL_SLOTS; i++) {
				sodium_free(up->slot[i].k);
				up->slot[i].k = NULL;
			}
			return rc;
		}
		memcpy(up->slot[0].k, key.k, SEAL_KEY);
		memcpy(up->slot[0].fp, key.fp, sizeof(key.fp));
		up->slot[0].kid = key.kid;
		up->slot[0].used = true;
		seal_key_put(&key);
	}
	lana_lock_init(&up->lock);
	return 0;
}

static void unseal_fini(struct lana_block *b)
{
	struct unseal_priv *up = b->priv;
	unsigned int i;

	for (i = 0; i < UNSEAL_SLOTS; i++) {
		if (up->slot[i].k)
			sodium_free(up->slot[i].k);	/* wipes it */
		up->slot[i].k = NULL;
	}
	lana_lock_destroy(&up->lock);
}

static int unseal_live(struct lana_block *b, const struct lana_value *params,
		       void **out)
{
	return seal_live_make(b, params, UNSEAL_P_GRACE, out);
}

/*
 * Make the ring follow live object @l (lock held): when @l is newer than
 * the ring's current key and holds another key, that key becomes current
 * (into the slot with its fingerprint, or a free one, or the one that
 * stopped being current longest ago) and the old current key accepts
 * frames for @l->grace more.
 */
static void unseal_sync(struct unseal_priv *up, const struct seal_live *l,
			uint64_t now)
{
	struct unseal_slot *s;
	unsigned int i, pick = UNSEAL_SLOTS;

	if (l->gen <= up->gen)
		return;
	up->gen = l->gen;
	s = &up->slot[up->cur];
	if (s->used && !memcmp(s->fp, l->key.fp, sizeof(s->fp)))
		return;
	for (i = 0; i < UNSEAL_SLOTS; i++)
		if (up->slot[i].used &&
		    !memcmp(up->slot[i].fp, l->key.fp, sizeof(s->fp)))
			pick = i;
	for (i = 0; pick == UNSEAL_SLOTS && i < UNSEAL_SLOTS; i++)
		if (!up->slot[i].used)
			pick = i;
	if (pick == UNSEAL_SLOTS) {
		pick = up->cur == 0 ? 1 : 0;
		for (i = 0; i < UNSEAL_SLOTS; i++)
			if (i != up->cur && up->slot[i].last <
					    up->slot[pick].last)
				pick = i;
	}
	if (s->used) {
		s->until = now + l->grace;
		s->last = now;
	}
	s = &up->slot[pick];
	if (!s->used || memcmp(s->fp, l->key.fp, sizeof(s->fp))) {
		memcpy(s->k, l->key.k, SEAL_KEY);
		memcpy(s->fp, l->key.fp, sizeof(s->fp));
		s->kid = l->key.kid;
		memset(&s->win, 0, sizeof(s->win));
		s->used = true;
	}
	up->cur = pick;
}

/*
 * Open datagram @p sealed under @k into a new packet *@out.
 * Return: 0, -EBADMSG when it fails authentication, -ENOMEM.
 */
static int unseal_open(struct lana_block *b, struct lana_pkt *p,
		       const unsigned char *k, struct lana_pkt **out)
{
	const uint8_t *h = lana_pkt_data(p);
	uint32_t len = lana_pkt_len(p);
	unsigned long long mlen;
	struct lana_pkt *q;

	q = lana_pkt_alloc(b, len - SEAL_OVERHEAD);
	if (!q)
		return -ENOMEM;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
			lana_pkt_data(q), &mlen, NULL, h + SEAL_HDR,
			len - SEAL_HDR, h, SEAL_HDR, h + SEAL_H_SALT, k)) {
		lana_pkt_free(q);
		return -EBADMSG;
	}
	q->ts_ns = p->ts_ns;
	*out = q;
	return 0;
}

enum {
	C_OPENED, C_MALFORMED, C_UNKNOWN, C_FORGED, C_REPLAYED, C_OLD,
	C_NOMEM, C_MAX
};

/*
 * For each datagram: the header's form; the key its id names (the live
 * object's current key without the lock, or a previous key in its grace
 * under the lock); authentication; only then the replay window of that
 * key's slot, under the lock. Refused datagrams go to reject (1)
 * unchanged.
 */
static int unseal_rx(struct lana_block *b, struct lana_burst *v)
{
	struct unseal_priv *up = b->priv;
	const struct seal_live *l = v->live;
	struct unseal_pcpu *pc = lana_block_pcpu(b);
	uint8_t slot_of[LANA_BURST];
	struct lana_pkt *opened[LANA_BURST];
	unsigned int c[C_MAX] = { 0 };
	unsigned int i, j, cur;
	uint64_t now = lana_now_ns();

	/*
	 * The slot of the live object's key: the current one, except for a
	 * worker still running an older version, whose key may be a
	 * previous one (or gone from the ring: then only the ring's keys
	 * are tried, under the lock, as for any other key id).
	 */
	lana_lock(&up->lock);
	unseal_sync(up, l, now);
	for (cur = 0; cur < UNSEAL_SLOTS; cur++)
		if (up->slot[cur].used &&
		    !memcmp(up->slot[cur].fp, l->key.fp, sizeof(l->key.fp)))
			break;
	lana_unlock(&up->lock);

	for (i = 0; i < v->n; i++) {
		struct lana_pkt *p = v->pkt[i];
		const uint8_t *h = lana_pkt_data(p);
		uint32_t kid;
		int rc = -ENOKEY;

		opened[i] = NULL;
		v->verdict[i] = 1;
		if (lana_pkt_len(p) < SEAL_OVERHEAD || h[SEAL_H_VER] != SEAL_VERSION ||
		    h[SEAL_H_RSVD] || h[SEAL_H_RSVD + 1] || h[SEAL_H_RSVD + 2]) {
			c[C_MALFORMED]++;
			continue;
		}
		kid = lana_get_be32(h + SEAL_H_KID);
		if (kid == l->key.kid && cur < UNSEAL_SLOTS) {
			rc = unseal_open(b, p, l->key.k, &opened[i]);
			slot_of[i] = (uint8_t)cur;
		}
		if (rc) {
			/* a previous key (or one whose id collides) */
			int rc2 = -ENOKEY;

			lana_lock(&up->lock);
			for (j = 0; j < UNSEAL_SLOTS && rc2; j++) {
				struct unseal_slot *s = &up->slot[j];

				/* the current key, or one in its grace,
				 * not the one just tried */
				if (!s->used || s->kid != kid ||
				    (rc != -ENOKEY && j == cur) ||
				    (j != up->cur && now >= s->until))
					continue;
				rc2 = unseal_open(b, p, s->k, &opened[i]);
				slot_of[i] = (uint8_t)j;
			}
			lana_unlock(&up->lock);
			if (rc2 != -ENOKEY)
				rc = rc2;
		}
		if (rc == -ENOKEY)
			c[C_UNKNOWN]++;
		else if (rc == -EBADMSG)
			c[C_FORGED]++;
		else if (rc)
			c[C_NOMEM]++;
	}

	lana_lock(&up->lock);
	for (i = 0; i < v->n; i++) {
		struct unseal_slot *s;
		uint64_t seq;

		if (!opened[i])
			continue;
		s = &up->slot[slot_of[i]];
		seq = lana_get_be64(lana_pkt_data(v->pkt[i]) + SEAL_H_SEQ);
		if (s->kid != lana_get_be32(lana_pkt_data(v->pkt[i]) +
					    SEAL_H_KID)) {
			/* its slot went to another key meanwhile (rotations
			 * faster than the burst): no window to judge it */
			c[C_UNKNOWN]++;
			continue;
		}
		switch (window_update(&s->win, seq)) {
		case WIN_OK:
			lana_pkt_free(v->pkt[i]);
			v->pkt[i] = opened[i];
			opened[i] = NULL;
			v->verdict[i] = 0;
			c[C_OPENED]++;
			break;
		case WIN_REPLAY:
			c[C_REPLAYED]++;
			break;
		case WIN_OLD:
			c[C_OLD]++;
			break;
		}
	}
	lana_unlock(&up->lock);
	for (i = 0; i < v->n; i++)
		if (opened[i])
			lana_pkt_free(opened[i]);

#define ADD(f, k) __atomic_store_n(&pc->f, pc->f + c[k], __ATOMIC_RELAXED)
	ADD(opened, C_OPENED);
	ADD(malformed, C_MALFORMED);
	ADD(unknown_key, C_UNKNOWN);
	ADD(forged, C_FORGED);
	ADD(replayed, C_REPLAYED);
	ADD(too_old, C_OLD);
	ADD(nomem, C_NOMEM);
#undef ADD
	return LANA_RX_VERDICTS;
}

LANA_BLOCK_TYPE(unseal) = {
	.name = "unseal",
	.synopsis = "unseal(key_file, grace = 30s)   in: raw -> out: eth, "
		    "reject: raw (optional)",
	.doc = "Authenticate and decrypt datagrams that seal made. The key "
	       "is read from key_file (docs/seal.md). Datagrams that fail "
	       "authentication (forged), name an unknown key, are malformed, "
	       "or whose sequence number was seen before or is too old for "
	       "the 2048-bit replay window of their key (RFC 6479) leave "
	       "unchanged at reject, or are dropped, each counted. The window "
	       "moves only for authentic datagrams. After a SET of key_file "
	       "the previous key is still accepted for grace; replay windows "
	       "survive a SET. Userspace engine only.",
	.params = unseal_params,
	.ports = unseal_ports,
	.counters = unseal_counters,
	.engines = LANA_ENGINE_USER,
	.priv_size = sizeof(struct unseal_priv),
	.pcpu_size = sizeof(struct unseal_pcpu),
	.init = unseal_init,
	.fini = unseal_fini,
	.live = unseal_live,
	.live_free = seal_live_free,
	.rx = unseal_rx,
};
