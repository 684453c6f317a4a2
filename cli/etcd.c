// SPDX-License-Identifier: GPL-2.0
/*
 * cli/etcd.c - etcd v3 over its JSON gateway (cli/etcd.h): libcurl for
 * HTTP, jansson for JSON, libsodium for base64. Nothing here parses HTTP
 * or JSON by hand.
 */
#include "etcd.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define ETCD_MAXURLS 16

struct lana_etcd {
	char *urls[ETCD_MAXURLS];
	unsigned int n, cur;
	CURL *curl;
	char err[512];
};

/* A response body being received. */
struct body {
	struct lana_buf b;
	/* watch: scan lines as they come, stop at the first event */
	bool watch;
	size_t scanned;
	int event;		/* 1 an event (or a compaction), -1 canceled */
};

static void seterr(struct lana_etcd *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void seterr(struct lana_etcd *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
}

const char *lana_etcd_error(const struct lana_etcd *e)
{
	return e->err;
}

struct lana_etcd *lana_etcd_open(const char *urls, char *err, size_t errlen)
{
	struct lana_etcd *e;
	const char *p = urls;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) || sodium_init() < 0) {
		snprintf(err, errlen, "cannot initialise libcurl or libsodium");
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	while (p && *p) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (len) {
			if (e->n == ETCD_MAXURLS) {
				snprintf(err, errlen, "more than %u etcd endpoints",
					 ETCD_MAXURLS);
				lana_etcd_close(e);
				return NULL;
			}
			e->urls[e->n] = xmalloc(len + 1);
			memcpy(e->urls[e->n], p, len);
			e->urls[e->n][len] = 0;
			while (len && e->urls[e->n][len - 1] == '/')
				e->urls[e->n][--len] = 0;
			if (strncmp(e->urls[e->n], "http://", 7) &&
			    strncmp(e->urls[e->n], "https://", 8)) {
				snprintf(err, errlen,
					 "etcd endpoint '%s' is not an http:// or https:// URL",
					 e->urls[e->n]);
				e->n++;
				lana_etcd_close(e);
				return NULL;
			}
			e->n++;
		}
		p = c ? c + 1 : NULL;
	}
	if (!e->n) {
		snprintf(err, errlen, "no etcd endpoint given");
		lana_etcd_close(e);
		return NULL;
	}
	e->curl = curl_easy_init();
	if (!e->curl) {
		snprintf(err, errlen, "cannot initialise libcurl");
		lana_etcd_close(e);
		return NULL;
	}
	return e;
}

void lana_etcd_close(struct lana_etcd *e)
{
	unsigned int i;

	if (!e)
		return;
	for (i = 0; i < e->n; i++)
		free(e->urls[i]);
	if (e->curl)
		curl_easy_cleanup(e->curl);
	free(e);
}

json_t *lana_etcd_b64(const void *p, size_t len)
{
	size_t n = sodium_base64_encoded_len(len,
					     sodium_base64_VARIANT_ORIGINAL);
	char *s = xmalloc(n);
	json_t *j;

	sodium_bin2base64(s, n, p, len, sodium_base64_VARIANT_ORIGINAL);
	j = json_string(s);
	free(s);
	return j;
}

/* Decode base64 @s into a malloc'd NUL-terminated buffer; NULL if bad. */
static char *unb64(const char *s, size_t *len)
{
	size_t sl = strlen(s), n;
	char *out = xmalloc(sl + 1);

	if (sodium_base642bin((unsigned char *)out, sl, s, sl, NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL)) {
		free(out);
		return NULL;
	}
	out[n] = 0;
	*len = n;
	return out;
}

/* etcd writes 64-bit integers as JSON strings (proto3 JSON mapping). */
static int64_t jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	if (json_is_integer(v))
		return json_integer_value(v);
	return 0;
}

/* The watch stream: one JSON message per line ({"result": {...}}). */
static void scan_watch(struct body *bd)
{
	char *nl;

	while (bd->b.data &&
	       (nl = memchr(bd->b.data + bd->scanned, '\n',
			    bd->b.len - bd->scanned))) {
		json_t *m = json_loadb(bd->b.data + bd->scanned,
				       (size_t)(nl - bd->b.data) - bd->scanned,
				       0, NULL);
		json_t *r = json_object_get(m, "result");

		bd->scanned = (size_t)(nl - bd->b.data) + 1;
		if (json_array_size(json_object_get(r, "events")) ||
		    jint(r, "compact_revision"))
			bd->event = 1;
		else if (json_is_true(json_object_get(r, "canceled")))
			bd->event = -1;
		json_decref(m);
		if (bd->event)
			return;
	}
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body *bd = arg;

	lana_buf_put(&bd->b, p, size * n);
	if (bd->watch) {
		scan_watch(bd);
		if (bd->event)
			return 0;	/* enough: end the transfer */
	}
	return size * n;
}

/* One POST of @data to @path on endpoint e->cur; the curl code. */
static CURLcode post(struct lana_etcd *e, const char *path, const char *data,
		     struct body *bd, long timeout_ms, long *status)
{
	struct curl_slist *h = curl_slist_append(NULL,
						 "Content-Type: application/json");
	char url[1024];
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", e->urls[e->cur], path);
	curl_easy_reset(e->curl);
	curl_easy_setopt(e->curl, CURLOPT_URL, url);
	curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, bd);
	curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 timeout_ms < 1000 ? timeout_ms : 1000L);
	curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(e->curl);
	*status = 0;
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	return rc;
}

/* A failure that another member may not have: try the next endpoint. */
static bool unreachable(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_RECV_ERROR ||
	       rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING;
}

int lana_etcd_call(struct lana_etcd *e, const char *path, json_t *req,
		   json_t **resp, long timeout_ms)
{
	char *data = json_dumps(req, JSON_COMPACT);
	unsigned int tries;
	int r = -1;

	json_decref(req);
	*resp = NULL;
	if (!data) {
		seterr(e, "out of memory");
		return -1;
	}
	for (tries = 0; tries < e->n; tries++) {
		struct body bd = { 0 };
		json_error_t je;
		long status;
		CURLcode rc = post(e, path, data, &bd, timeout_ms, &status);

		if (rc != CURLE_OK) {
			seterr(e, "etcd %s: %s", e->urls[e->cur],
			       curl_easy_strerror(rc));
			lana_buf_free(&bd.b);
			if (!unreachable(rc))
				break;
			e->cur = (e->cur + 1) % e->n;
			continue;
		}
		*resp = json_loadb(bd.b.data ? bd.b.data : "", bd.b.len, 0,
				   &je);
		lana_buf_free(&bd.b);
		if (!*resp) {
			seterr(e, "etcd %s%s: the answer is not JSON: %s",
			       e->urls[e->cur], path, je.text);
			break;
		}
		if (status != 200) {
			json_t *m = json_object_get(*resp, "message");

			if (!m)
				m = json_object_get(*resp, "error");
			seterr(e, "etcd %s%s: HTTP %ld: %s", e->urls[e->cur],
			       path, status,
			       json_is_string(m) ? json_string_value(m) : "?");
			json_decref(*resp);
			*resp = NULL;
			/* a member without a leader answers 5xx: another may
			 * have one */
			if (status >= 500) {
				e->cur = (e->cur + 1) % e->n;
				continue;
			}
			break;
		}
		r = 0;
		break;
	}
	free(data);
	return r;
}

/* The end of the range of keys starting with @k (etcd's prefix rule). */
static json_t *prefix_end(const char *k)
{
	size_t n = strlen(k);
	char *e = xmalloc(n + 1);
	json_t *j;

	memcpy(e, k, n + 1);
	while (n && (unsigned char)e[n - 1] == 0xff)
		n--;
	if (!n) {
		free(e);
		return lana_etcd_b64("\0", 1);	/* every key */
	}
	e[n - 1]++;
	j = lana_etcd_b64(e, n);
	free(e);
	return j;
}

int lana_etcd_range(struct lana_etcd *e, const char *key, bool prefix,
		    struct lana_etcd_kv **kvs, size_t *n, int64_t *rev)
{
	json_t *req = json_object(), *resp, *arr;
	size_t i;

	*kvs = NULL;
	*n = 0;
	json_object_set_new(req, "key", lana_etcd_b64(key, strlen(key)));
	if (prefix)
		json_object_set_new(req, "range_end", prefix_end(key));
	if (lana_etcd_call(e, "/v3/kv/range", req, &resp, 5000))
		return -1;
	if (rev)
		*rev = jint(json_object_get(resp, "header"), "revision");
	arr = json_object_get(resp, "kvs");
	*kvs = xcalloc(json_array_size(arr) + 1, sizeof(**kvs));
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *kv = json_array_get(arr, i);
		const char *k = json_string_value(json_object_get(kv, "key"));
		const char *v = json_string_value(json_object_get(kv, "value"));
		struct lana_etcd_kv *o = &(*kvs)[*n];
		size_t kl;

		o->key = unb64(k ? k : "", &kl);
		o->val = unb64(v ? v : "", &o->vlen);
		if (!o->key || !o->val) {
			free(o->key);
			free(o->val);
			continue;
		}
		o->mod_rev = jint(kv, "mod_revision");
		o->create_rev = jint(kv, "create_revision");
		(*n)++;
	}
	json_decref(resp);
	return 0;
}

void lana_etcd_kvs_free(struct lana_etcd_kv *kvs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kvs[i].key);
		free(kvs[i].val);
	}
	free(kvs);
}

int lana_etcd_put(struct lana_etcd *e, const char *key, const void *val,
		  size_t len, int64_t lease)
{
	json_t *req = json_object(), *resp;
	char id[32];

	json_object_set_new(req, "key", lana_etcd_b64(key, strlen(key)));
	json_object_set_new(req, "value", lana_etcd_b64(val, len));
	if (lease) {
		snprintf(id, sizeof(id), "%" PRId64, lease);
		json_object_set_new(req, "lease", json_string(id));
	}
	if (lana_etcd_call(e, "/v3/kv/put", req, &resp, 5000))
		return -1;
	json_decref(resp);
	return 0;
}

int lana_etcd_txn(struct lana_etcd *e, json_t *txn, bool *ok)
{
	json_t *resp;

	*ok = false;
	if (lana_etcd_call(e, "/v3/kv/txn", txn, &resp, 10000))
		return -1;
	*ok = json_is_true(json_object_get(resp, "succeeded"));
	json_decref(resp);
	return 0;
}

int lana_etcd_lease(struct lana_etcd *e, int64_t ttl_s, int64_t *id)
{
	json_t *req = json_object(), *resp;
	char s[32];

	if (*id) {
		snprintf(s, sizeof(s), "%" PRId64, *id);
		json_object_set_new(req, "ID", json_string(s));
		if (lana_etcd_call(e, "/v3/lease/keepalive", req, &resp, 3000))
			return -1;
		/* an expired lease comes back with TTL 0 (or none) */
		if (jint(json_object_get(resp, "result"), "TTL") <= 0) {
			json_decref(resp);
			seterr(e, "lease expired");
			return -1;
		}
		json_decref(resp);
		return 0;
	}
	snprintf(s, sizeof(s), "%" PRId64, ttl_s);
	json_object_set_new(req, "TTL", json_string(s));
	if (lana_etcd_call(e, "/v3/lease/grant", req, &resp, 3000))
		return -1;
	*id = jint(resp, "ID");
	json_decref(resp);
	if (!*id) {
		seterr(e, "etcd granted no lease");
		return -1;
	}
	return 0;
}

int lana_etcd_watch(struct lana_etcd *e, const char *key, bool prefix,
		    int64_t from_rev, long timeout_ms)
{
	json_t *req = json_object(), *cr = json_object();
	char *data, s[32];
	unsigned int tries;
	int r = -1;

	json_object_set_new(cr, "key", lana_etcd_b64(key, strlen(key)));
	if (prefix)
		json_object_set_new(cr, "range_end", prefix_end(key));
	snprintf(s, sizeof(s), "%" PRId64, from_rev);
	json_object_set_new(cr, "start_revision", json_string(s));
	json_object_set_new(req, "create_request", cr);
	data = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!data) {
		seterr(e, "out of memory");
		return -1;
	}
	for (tries = 0; tries < e->n; tries++) {
		struct body bd = { .watch = true };
		long status;
		CURLcode rc = post(e, "/v3/watch", data, &bd, timeout_ms,
				   &status);

		lana_buf_free(&bd.b);
		if (bd.event) {
			r = bd.event > 0 ? 1 : -1;
			if (r < 0)
				seterr(e, "etcd canceled the watch");
			break;
		}
		if (rc == CURLE_OPERATION_TIMEDOUT && status == 200) {
			r = 0;	/* the stream was open: no change */
			break;
		}
		seterr(e, "etcd %s/v3/watch: %s", e->urls[e->cur],
		       rc == CURLE_OK ? "the stream ended" :
		       curl_easy_strerror(rc));
		if (rc != CURLE_OK && !unreachable(rc))
			break;
		e->cur = (e->cur + 1) % e->n;
	}
	free(data);
	return r;
}
