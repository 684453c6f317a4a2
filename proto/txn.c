// SPDX-License-Identifier: GPL-2.0
/*
 * proto/txn.c - transactions and the decoding of committed and SET plans
 * (proto/txn.h), shared by lanad and lana.ko.
 */
#include "txn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool owned_by(const struct lana_ctl_txn *t,
		     const struct lana_ctl_owner *o)
{
	return t->id && t->owner.net == o->net && t->owner.port == o->port;
}

/* Transaction @id of @o, or NULL with -ENOENT in *@r and @err set. */
static struct lana_ctl_txn *txn_get(struct lana_ctl_txns *tt,
				const struct lana_ctl_owner *o, uint32_t id,
				int *r, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; id && i < LANA_TXN_MAX; i++)
		if (tt->slot[i].id == id && owned_by(&tt->slot[i], o))
			return &tt->slot[i];
	*r = lana_errf(err, errlen, -ENOENT, "unknown transaction %u", id);
	return NULL;
}

/*
 * @v bytes as the number *@n and unit of lana_errf()'s "%llu %s": MiB or
 * KiB when @v is a whole number of them, else bytes.
 */
static const char *size_unit(uint64_t v, unsigned long long *n)
{
	if (v && !(v % (1024 * 1024))) {
		*n = v / (1024 * 1024);
		return "MiB";
	}
	if (v && !(v % 1024)) {
		*n = v / 1024;
		return "KiB";
	}
	*n = v;
	return "bytes";
}

int lana_ctl_txn_begin(struct lana_ctl_txns *tt, const struct lana_ctl_owner *o,
		       uint32_t total, uint32_t max, uint32_t *id, char *err,
		       size_t errlen)
{
	const struct lana_ctl_txn_limits *l = &tt->lim;
	unsigned int txns = l->txns && l->txns < LANA_TXN_MAX ? l->txns :
			    LANA_TXN_MAX;
	struct lana_ctl_txn *t = NULL;
	unsigned int i, nopen = 0, mine = 0;
	uint64_t bytes = 0, my_bytes = 0;
	unsigned long long n;
	const char *u;

	if (total < LANA_PLAN_HDR_LEN)
		return lana_errf(err, errlen, -EINVAL,
				 "TOTAL_LEN %u is shorter than a plan header (%d bytes)",
				 total, LANA_PLAN_HDR_LEN);
	if (total > max) {
		u = size_unit(max, &n);
		return lana_errf(err, errlen, -EFBIG,
				 "transaction too large: TOTAL_LEN %u bytes (limit %llu %s)",
				 total, n, u);
	}
	for (i = 0; i < LANA_TXN_MAX; i++) {
		const struct lana_ctl_txn *s = &tt->slot[i];

		if (!s->id) {
			if (!t)
				t = &tt->slot[i];
			continue;
		}
		nopen++;
		bytes += s->total;
		if (owned_by(s, o)) {
			mine++;
			my_bytes += s->total;
		}
	}
	if (l->txns_per_owner && mine >= l->txns_per_owner)
		return lana_errf(err, errlen, -EBUSY,
				 "too many open transactions (limit %u per client)",
				 l->txns_per_owner);
	if (!t || nopen >= txns)
		return lana_errf(err, errlen, -EBUSY,
				 "too many open transactions (limit %u over all clients)",
				 txns);
	if (l->bytes_per_owner && my_bytes + total > l->bytes_per_owner) {
		u = size_unit(l->bytes_per_owner, &n);
		return lana_errf(err, errlen, -ENOBUFS,
				 "open transactions too large: this client's would hold %llu bytes (limit %llu %s per client)",
				 (unsigned long long)(my_bytes + total), n, u);
	}
	if (l->bytes && bytes + total > l->bytes) {
		u = size_unit(l->bytes, &n);
		return lana_errf(err, errlen, -ENOBUFS,
				 "open transactions too large: all clients' would hold %llu bytes (limit %llu %s over all clients)",
				 (unsigned long long)(bytes + total), n, u);
	}
	if (!tt->next_id)
		tt->next_id = 1;
	t->id = tt->next_id++;
	t->owner = *o;
	t->total = total;
	t->touched = tt->now;
	*id = t->id;
	return 0;
}

int lana_ctl_txn_data(struct lana_ctl_txns *tt, const struct lana_ctl_owner *o,
		      uint32_t id, uint32_t off, const void *p, uint32_t n,
		      char *err, size_t errlen)
{
	struct lana_ctl_txn *t;
	int r;

	t = txn_get(tt, o, id, &r, err, errlen);
	if (!t)
		return r;
	if (off != t->got)
		return lana_errf(err, errlen, -EINVAL,
				 "transaction %u: DATA at offset %u, expected %u",
				 t->id, off, t->got);
	if ((uint64_t)t->got + n > t->total)
		return lana_errf(err, errlen, -EINVAL,
				 "transaction %u: DATA beyond TOTAL_LEN (%u + %u > %u)",
				 t->id, t->got, n, t->total);
	if (t->got + n > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 65536;
		char *q;

		if (cap < (size_t)t->got + n)
			cap = (size_t)t->got + n;
		if (cap > t->total)
			cap = t->total;
		q = realloc(t->data, cap);
		if (!q)
			return lana_errf(err, errlen, -ENOMEM, "out of memory");
		t->data = q;
		t->cap = cap;
	}
	memcpy(t->data + t->got, p, n);
	t->got += n;
	t->touched = tt->now;
	return 0;
}

int lana_ctl_txn_take(struct lana_ctl_txns *tt, const struct lana_ctl_owner *o,
		      uint32_t id, struct lana_ctl_txn *out, char *err, size_t errlen)
{
	struct lana_ctl_txn *t;
	int r;

	t = txn_get(tt, o, id, &r, err, errlen);
	if (!t)
		return r;
	if (t->got != t->total)
		return lana_errf(err, errlen, -EINVAL,
				 "transaction %u incomplete: %u of %u bytes",
				 t->id, t->got, t->total);
	*out = *t;
	memset(t, 0, sizeof(*t));
	return 0;
}

int lana_ctl_txn_abort(struct lana_ctl_txns *tt, const struct lana_ctl_owner *o,
		       uint32_t id, char *err, size_t errlen)
{
	struct lana_ctl_txn *t;
	int r;

	t = txn_get(tt, o, id, &r, err, errlen);
	if (!t)
		return r;
	lana_ctl_txn_drop(t);
	return 0;
}

uint32_t lana_ctl_txn_drop_owned(struct lana_ctl_txns *tt,
				 const struct lana_ctl_owner *o)
{
	unsigned int i;
	uint32_t id;

	for (i = 0; i < LANA_TXN_MAX; i++)
		if (owned_by(&tt->slot[i], o)) {
			id = tt->slot[i].id;
			lana_ctl_txn_drop(&tt->slot[i]);
			return id;
		}
	return 0;
}

uint32_t lana_ctl_txn_expire(struct lana_ctl_txns *tt, uint64_t before,
			     struct lana_ctl_owner *o)
{
	unsigned int i;
	uint32_t id;

	for (i = 0; i < LANA_TXN_MAX; i++)
		if (tt->slot[i].id && tt->slot[i].touched < before) {
			id = tt->slot[i].id;
			*o = tt->slot[i].owner;
			lana_ctl_txn_drop(&tt->slot[i]);
			return id;
		}
	return 0;
}

void lana_ctl_txn_drop(struct lana_ctl_txn *t)
{
	free(t->data);
	memset(t, 0, sizeof(*t));
}

void lana_ctl_txn_drop_all(struct lana_ctl_txns *tt)
{
	unsigned int i;

	for (i = 0; i < LANA_TXN_MAX; i++)
		lana_ctl_txn_drop(&tt->slot[i]);
}

unsigned int lana_ctl_txn_count(const struct lana_ctl_txns *tt)
{
	unsigned int i, n = 0;

	for (i = 0; i < LANA_TXN_MAX; i++)
		n += tt->slot[i].id != 0;
	return n;
}

/* SET takes an edit plan of SET instructions only. */
static int check_set(const struct lana_plan *p, char *err, size_t errlen)
{
	uint32_t i;

	if (!(p->flags & LANA_PLAN_F_EDIT))
		return lana_errf(err, errlen, -EINVAL,
				 "SET needs an edit plan of SET instructions");
	for (i = 0; i < p->insns.n; i++)
		if (p->insns.v[i].op != LANA_OP_SET)
			return lana_errf(err, errlen, -EINVAL,
					 "instruction %u (%s): SET accepts only SET instructions",
					 i + 1, lana_op_name(p->insns.v[i].op));
	return 0;
}

int lana_ctl_txn_decode(const void *data, size_t len, bool set,
			struct lana_plan *p, char *err, size_t errlen)
{
	static const char prefix[] = "invalid plan: ";
	size_t n = sizeof(prefix) - 1;
	int r;

	if (err && errlen > n) {
		memcpy(err, prefix, n);
		r = lana_plan_decode(data, len, p, err + n, errlen - n);
	} else {
		r = lana_plan_decode(data, len, p, err, errlen);
	}
	if (r == -ENOMEM)
		return lana_errf(err, errlen, -ENOMEM, "out of memory");
	if (r)
		return -EINVAL;
	if (err && errlen)
		err[0] = '\0';
	if (set) {
		r = check_set(p, err, errlen);
		if (r)
			lana_plan_free(p);
	}
	return r;
}
