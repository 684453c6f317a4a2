// SPDX-License-Identifier: GPL-2.0
/*
 * plan/idpix.c - IDP -> index maps for plan processing (see plan.h): a
 * dense array for the usual densely numbered plans, a hash map otherwise.
 * Shared by the plan validator and the reference apply (and compiled into
 * lana.ko with them).
 */
#include "plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int lana_idpix_init(struct lana_idpix *x, uint32_t max, uint32_t n)
{
	memset(x, 0, sizeof(*x));
	x->max = max;
	if (max <= 2 * (uint64_t)n + 1024) {
		x->dense = calloc((size_t)max + 1, sizeof(*x->dense));
		if (!x->dense)
			return -ENOMEM;
	}
	return 0;
}

bool lana_idpix_get(const struct lana_idpix *x, uint32_t idp, uint32_t *v)
{
	if (!x->dense)
		return lana_map_getn(&x->map, (const char *)&idp, 4, v);
	if (idp > x->max || !x->dense[idp])
		return false;
	*v = x->dense[idp] - 1;
	return true;
}

int lana_idpix_put(struct lana_idpix *x, const uint32_t *key, uint32_t v,
		   uint32_t *old)
{
	if (!x->dense)
		return lana_map_try_putn(&x->map, (const char *)key, 4, v, old);
	if (*key > x->max || x->dense[*key]) {
		if (old)
			*old = *key > x->max ? 0 : x->dense[*key] - 1;
		return 0;
	}
	x->dense[*key] = v + 1;
	return 1;
}

void lana_idpix_free(struct lana_idpix *x)
{
	free(x->dense);
	lana_map_free(&x->map);
}
